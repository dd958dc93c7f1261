#!/usr/bin/env bash
# People and programs across real nodes: profiles, endorsements, who-knows with reasons, mentoring,
# sessions and RSVPs, badges, reminders and the digest.
# usage: people.sh LORED LORE
LORED=$1
LORE=$2
. "$(dirname "$0")/lib.sh"

start a
start b --peer "$(addr a)"
start c --peer "$(addr a)"
on a init --name Ann >/dev/null
on b init --name Bob >/dev/null
on c init --name Cid >/dev/null
until_ok 10 "everyone knows everyone" bash -c \
    "'$LORE' --home '$(home a)' profile Cid >/dev/null && '$LORE' --home '$(home c)' profile Bob >/dev/null && '$LORE' --home '$(home b)' profile Ann >/dev/null"

# --- profiles
on b profile --bio "Networks, VPNs and the lab." >/dev/null || fail "profile --bio"
[ "$(on b profile --json | jq -r .profile.name)" = Bob ] || fail "a bio alone must keep the name"
until_ok 10 "a sees Bob's bio" bash -c \
    "'$LORE' --home '$(home a)' profile Bob --json | jq -e '.profile.bio == \"Networks, VPNs and the lab.\"'"
on b profile --name Bob >/dev/null
[ "$(on b profile --json | jq -r .profile.bio)" = "Networks, VPNs and the lab." ] ||
    fail "a name alone must keep the bio"
on a profile | grep -q "team      e2e team" || fail "my profile shows the team name"
ok "profile: set on one node, shown on another; name and bio kept when only one changes"

# --- endorsements
if on a endorse Ann vpn 2>"$E2E_ROOT/err"; then fail "self-endorsement accepted"; fi
[ "$(wc -l <"$E2E_ROOT/err")" = 1 ] && grep -q "cannot endorse yourself" "$E2E_ROOT/err" ||
    fail "self-endorsement: not one clear line: $(cat "$E2E_ROOT/err")"
on a endorse Bob vpn >/dev/null
on a endorse Bob vpn | grep -q "already" || fail "a repeated endorsement is not noticed"
on c endorse Bob vpn >/dev/null
until_ok 10 "b counts 2 distinct endorsers" bash -c \
    "'$LORE' --home '$(home b)' profile Bob --json | jq -e '.profile.skills[] | select(.tag == \"vpn\") | .endorsers == 2'"
ok "endorse: yourself refused in one line; two endorsers counted once each"

# --- who-knows: demonstrated help outranks a declared skill
on c skills add vpn --level 5 >/dev/null
q1=$(on a ask "VPN drops every hour" --tag vpn --body "since Monday" | tail -n1)
until_ok 10 "b has q1" on b show "$q1"
a1=$(on b answer "$q1" --body "Renew the lab certificate." | tail -n1)
until_ok 10 "a has a1" on a show "$a1"
on a accept "$a1" >/dev/null
on a vote "$a1" up >/dev/null
until_ok 10 "c sees the accept" bash -c \
    "'$LORE' --home '$(home c)' show '$q1' --json | jq -e '.entry.status == \"resolved\"'"
wk=$(on c who-knows vpn --json)
[ "$(jq -r '.people[0].name' <<<"$wk")" = Bob ] || fail "who-knows: Bob should rank first: $wk"
[ "$(jq -r '.people[1].name' <<<"$wk")" = Cid ] || fail "who-knows: Cid should rank second: $wk"
jq -e '.people[0].why | test("1 accepted answer on vpn.*1 upvote.*endorsed by 2.*active today")' \
    <<<"$wk" >/dev/null || fail "who-knows: Bob's reasons: $(jq -r '.people[0].why' <<<"$wk")"
jq -e '.people[1].why == "declared level 5, active today"' <<<"$wk" >/dev/null ||
    fail "who-knows: Cid's reasons: $(jq -r '.people[1].why' <<<"$wk")"
jq -e '.people[0].components.accepted > 0 and .people[1].components.declared > 0' <<<"$wk" \
    >/dev/null || fail "who-knows --json lacks score components"
on c who-knows vpn | grep -q "endorsed by 2" || fail "who-knows text lacks the reasons"
ok "who-knows: accepted, upvoted, endorsed help ranks above a declared level 5, with reasons"

# --- mentoring
on b mentor offer vpn linux >/dev/null
until_ok 10 "a finds Bob as a mentor" bash -c \
    "'$LORE' --home '$(home a)' mentor find vpn --json | jq -e '.mentors[0].name == \"Bob\" and .mentors[0].offered_ms > 0'"
on a mentor find vpn | grep -q "Bob  offers #linux #vpn since" || fail "mentor find text"
if on a mentor request Ann 2>/dev/null; then fail "asking yourself to mentor you"; fi
on a mentor request Bob --tag vpn --body "Could you show me the lab setup?" >/dev/null
until_ok 10 "the request reaches Bob's inbox" bash -c \
    "'$LORE' --home '$(home b)' inbox --json | jq -e '.mentoring_requests[0].author_name == \"Ann\" and .mentoring_requests[0].tags == [\"vpn\"]'"
ok "mentor: offer, find (ranked, with the offer date), request reaching the person's inbox"

# --- sessions
if on b session announce "Too late" --at "2020-01-02 10:00" --where "Room 4" 2>/dev/null; then
    fail "a session in the past was accepted"
fi
if on b session announce "Bad time" --at "next week" --where "Room 4" 2>/dev/null; then
    fail "an unreadable time was accepted"
fi
s1=$(on b session announce "VPN deep dive" --at +2h --where "Room 4" --tag vpn | tail -n1)
until_ok 10 "c has the session" on c show "$s1"
until_ok 10 "a has the session" on a show "$s1"
on c session rsvp "$s1" >/dev/null
on c session rsvp "$s1" --no >/dev/null
on a session rsvp "$s1" >/dev/null
until_ok 10 "c sees 1 yes (its own no is the latest)" bash -c \
    "'$LORE' --home '$(home c)' sessions --json | jq -e '.sessions[0].yes == 1 and .sessions[0].mine == \"no\"'"
on c session rsvp "$s1" >/dev/null
until_ok 10 "a sees 2 yes" bash -c \
    "'$LORE' --home '$(home a)' sessions --json | jq -e '.sessions[0].yes == 2 and .sessions[0].where == \"Room 4\"'"
on a sessions | grep -q '^\* .*VPN deep dive @ Room 4' || fail "sessions: mine not marked"
on a sessions | grep -q "host Bob  2 going  #vpn" || fail "sessions text"
ok "session: announce (past refused), rsvp (latest counts), sessions with the yes count elsewhere"

# --- badges
until_ok 10 "top gives Bob both new badges" bash -c \
    "'$LORE' --home '$(home a)' top --json | jq -e '.people[] | select(.name == \"Bob\") | .badges | index(\"mentor\") and index(\"session host\") and index(\"first answer\")'"
on a top | grep -q "\[mentor\]  \[session host\]" || fail "top text lacks the badges"
ok "top: mentor and session host badges"

# --- reminders: an answer waiting for an accept for over 3 days
q2=$(on a ask "Which DNS for the lab?" --tag vpn | tail -n1)
until_ok 10 "b has q2" on b show "$q2"
on b answer "$q2" --body "Use 10.0.0.53." >/dev/null
until_ok 10 "a has the answer" bash -c \
    "'$LORE' --home '$(home a)' show '$q2' --json | jq -e '.entry.answers == 1'"
[ "$(on a inbox --json | jq '.reminders | length')" = 0 ] || fail "a fresh answer is no reminder"
later=$(($(date +%s) * 1000 + 4 * 86400000))
on a digest --now "$later" --json | jq -e --arg q "$q2" \
    '.reminders | length == 1 and .[0].question.id == $q and .[0].waiting_days >= 3' >/dev/null ||
    fail "no reminder 4 days later"
LORE_HOME="$(home a)" "$LORE" watch --json >"$E2E_ROOT/watch" &
watcher=$!
until_ok 5 "the watcher subscribed" bash -c \
    "'$LORE' --home '$(home a)' status --json | jq -e '.subscribers == 1'"
[ "$(on a remind --now "$later" --json | jq .sent)" = 1 ] || fail "the reminder was not sent"
[ "$(on a remind --now "$later" --json | jq .sent)" = 0 ] || fail "a reminder sent twice in a day"
until_ok 5 "the watcher got the reminder" grep -q '"event":"reminder"' "$E2E_ROOT/watch"
kill "$watcher"
wait "$watcher" 2>/dev/null || true
grep '"event":"reminder"' "$E2E_ROOT/watch" | jq -e --arg q "$q2" \
    '.question.id == $q and .for_you == true' >/dev/null || fail "the reminder event"
ok "reminder: after 3 days, in the digest and once a day to watchers"

# --- digest
on b skills add vpn >/dev/null
dg=$(on b digest --json)
jq -e --arg q "$q2" '[.questions[].id] | index($q) != null' <<<"$dg" >/dev/null ||
    fail "digest: new questions in b's areas"
jq -e '.mentoring_requests | length == 1' <<<"$dg" >/dev/null || fail "digest: mentoring requests"
jq -e --arg s "$s1" '.sessions[0].id == $s' <<<"$dg" >/dev/null || fail "digest: sessions"
jq -e '.accepted[0].helper.name == "Bob" and .accepted[0].mine' <<<"$dg" >/dev/null ||
    fail "digest: accepted answers"
jq -e '.helpers[0].name == "Bob"' <<<"$dg" >/dev/null || fail "digest: top helpers"
on a digest --json | jq -e '.my_answered | length == 2' >/dev/null ||
    fail "digest: a's answered questions"
on a digest --now "$later" --since 2020-01-01 >"$E2E_ROOT/digest"
for section in "New questions in your areas" "Your questions that got answers (2)" \
    "Reminders: answered, not accepted (1)" "Answers accepted (1)" "Sessions in the next 7 days" \
    "Mentoring requests" "Top helpers (1)"; do
    grep -qF "$section" "$E2E_ROOT/digest" || fail "digest lacks '$section': $(cat "$E2E_ROOT/digest")"
done
ok "digest: every section, with what happened"

# --- help and JSON everywhere
for cmd in profile endorse mentor session sessions digest remind; do
    on a "$cmd" --help | grep -q "^usage: lore $cmd" || fail "$cmd --help"
done
if on a mentor teach vpn 2>"$E2E_ROOT/err"; then fail "an unknown subcommand"; fi
[ "$(wc -l <"$E2E_ROOT/err")" = 1 ] || fail "errors are one line: $(cat "$E2E_ROOT/err")"
ok "every command has --help; errors are one line"

if [ "${PEOPLE_SHOW:-0}" = 1 ]; then
    on a profile Bob; on a profile; on c who-knows vpn; on a mentor find vpn; on b inbox
    on a sessions; on a top; cat "$E2E_ROOT/digest"; on b digest
fi
for n in a b c; do stop "$n"; done # clean exits (under ASan: no leaks)
ok "the nodes stop cleanly"

echo "$checks passed, 0 failed"
