#!/usr/bin/env bash
# The same entries, arrived in different orders (live pushes on one node, a later reconciliation
# on another), give identical output from list, show (and its history), who-knows, top, stats,
# mentor find, sessions, profile and search.
# usage: views.sh LORED LORE
LORED=$1
LORE=$2
. "$(dirname "$0")/lib.sh"

start a
start d --peer "$(addr a)"
on a init --name Asker >/dev/null
on d init --name Helper >/dev/null
on d skills add kubernetes --level 3 >/dev/null
q1=$(on a ask "Pod keeps restarting" --tag kubernetes --urgent --body "CrashLoopBackOff" | tail -n1)
q2=$(on a ask "Which VPN profile for the lab?" --tag vpn | tail -n1)
q3=$(on a ask "Printer on floor 2?" --tag printing | tail -n1)
until_ok 5 "d has a's questions" on d show "$q3"
a1=$(on d answer "$q1" --body "Check the liveness probe." | tail -n1)
a2=$(on d answer "$q2" --body "Use lab-eu." | tail -n1)
until_ok 5 "a has d's answers" on a show "$a2"
on a accept "$a1" >/dev/null
on a thank "$a2" --body "Thanks!" >/dev/null
on a vote "$a1" up >/dev/null
on d vote "$q1" up >/dev/null
on d comment "$q3" --body "Ask facilities." >/dev/null
# Content keeping and people: an edit, a flag, an endorsement, a mentoring offer, a session with
# an RSVP, an admin's pin, and a retracted comment.
on a edit "$q2" --body "Which VPN profile for the lab in Lisbon?" >/dev/null
on d flag "$a2" verified >/dev/null
on a endorse Helper kubernetes >/dev/null
on d mentor offer kubernetes >/dev/null
s1=$(on d session announce "Kubernetes clinic" --at "+2h" --where "Room 4" --tag kubernetes | tail -n1)
on a session rsvp "$s1" >/dev/null
on a pin "$q1" >/dev/null
typo=$(on d comment "$q2" --body "tpyo" | tail -n1)
on d retract "$typo" >/dev/null
until_ok 5 "a and d agree" same_ids a d

# b arrives late: it gets everything by reconciliation, in another order than d got it live.
start b --peer "$(addr d)"
until_ok 15 "b has everything" same_ids a d b

view() {
    local n=$1
    on "$n" list --json --limit 500 | jq -S .
    for q in "$q1" "$q2" "$q3"; do on "$n" show "$q" --json | jq -S .; done
    for t in kubernetes vpn printing; do
        on "$n" who-knows "$t" --json | jq -S '[.people[] | {key, name, why, answers, accepted}]'
    done
    on "$n" top --json | jq -S .
    on "$n" stats --json | jq -S 'del(.since_ms)'
    on "$n" show "$q2" --history --json | jq -S .
    # Scores decay with time (rounded: the nodes answer some ms apart); what is personal to the
    # viewer (my RSVP, my own profile) is left out.
    on "$n" mentor find kubernetes --json | jq -S 'walk(if type == "number" then (. * 100 | round) / 100 else . end)'
    on "$n" sessions --json | jq -S 'del(.. | .hosting?, .mine?)'
    on "$n" profile Helper --json | jq -S 'del(.. | .me?, .follows?, .team?)'
    on "$n" search vpn --json | jq -S .
}
view a >"$E2E_ROOT/a.view"
for n in d b; do
    view "$n" >"$E2E_ROOT/$n.view"
    diff -u "$E2E_ROOT/a.view" "$E2E_ROOT/$n.view" >&2 || fail "node $n shows the entries differently"
done
echo "   ($(wc -l <"$E2E_ROOT/a.view") lines of views compared on 3 nodes)"
ok "list, show, history, who-knows, top, stats, mentors, sessions, profiles and search are \
identical whatever the arrival order"

echo "$checks passed, 0 failed"
