#!/usr/bin/env bash
# Undo and moderation across real nodes: an admin's hide on one node is honoured on another (and
# unhidden), a non-admin cannot hide, a hide stays after its admin is revoked; skills removed,
# mentoring withdrawn, a session moved then cancelled after RSVPs, an RSVP changed.
# usage: moderation.sh LORED LORE
LORED=$1
LORE=$2
. "$(dirname "$0")/lib.sh"

start a # the team admin
start b --peer "$(addr a)"
start c --peer "$(addr a)"
on a init --name Ann >/dev/null
on b init --name Bob >/dev/null
on c init --name Cid >/dev/null
until_ok 10 "everyone knows everyone" bash -c \
    "'$LORE' --home '$(home a)' profile Cid >/dev/null && '$LORE' --home '$(home b)' profile Ann >/dev/null && '$LORE' --home '$(home c)' profile Bob >/dev/null"

# --- hide on a, honoured on b and c; unhide
q=$(on b ask "Cheap watches here" --tag vpn --body "buy now" | tail -n1)
until_ok 10 "a has the question" on a show "$q"
out=$(on b hide "$q" --reason spam 2>&1) && fail "b (not an admin) could hide: $out"
[[ $out == *"only team admins"* ]] || fail "non-admin hide: unclear error: $out"
out=$(on a hide "$q" 2>&1) && fail "a hide without a reason was accepted"
[[ $out == *"--reason"* ]] || fail "hide without a reason: unclear error: $out"
on a hide "$q" --reason "advertising" >/dev/null || fail "a (admin) could not hide"
until_ok 10 "c honours the hide" bash -c \
    "'$LORE' --home '$(home c)' show '$q' --json | jq -e '.entry.hidden.reason == \"advertising\"'"
until_ok 10 "b honours the hide" bash -c \
    "'$LORE' --home '$(home b)' show '$q' | grep -q 'hidden by an admin: advertising'"
[ "$(on c list --json | jq "[.entries[] | select(.id == \"$q\")] | length")" = 0 ] ||
    fail "c still lists the hidden question"
[ "$(on c search watches --json | jq '.results | length')" = 0 ] || fail "c still finds it"
on c show "$q" --history | grep -q "hidden by an admin: advertising" || fail "history shows the text"
ok "hide: admin-only, reasoned, honoured on every node (list, search, show, history)"
on a unhide "$q" >/dev/null || fail "unhide"
until_ok 10 "c shows it again" bash -c \
    "'$LORE' --home '$(home c)' list --json | jq -e '[.entries[] | select(.id == \"$q\")] | length == 1'"
ok "unhide: the entry is back everywhere"

# --- a hide by an admin stays after that admin is revoked
on a team admin Cid >/dev/null || fail "team admin Cid"
until_ok 10 "c knows it is an admin" bash -c \
    "'$LORE' --home '$(home c)' team show --json | jq -e '.team.members[] | select(.name == \"Cid\") | .admin'"
q2=$(on b ask "Another ad" --body "buy" | tail -n1)
until_ok 10 "c has q2" on c show "$q2"
on c hide "$q2" --reason "ad again" >/dev/null || fail "c (admin) could not hide"
until_ok 10 "a honours c's hide" bash -c \
    "'$LORE' --home '$(home a)' show '$q2' --json | jq -e '.entry.hidden != null'"
on a team revoke Cid >/dev/null || fail "team revoke Cid"
sleep 1
on a show "$q2" --json | jq -e '.entry.hidden.reason == "ad again"' >/dev/null ||
    fail "a hide made while an admin must stay after the revocation"
ok "revocation: a hide made while its author was an admin stays"

# --- skills, mentoring, sessions
on b skills add k8s --level 4 >/dev/null
on b skills | grep -q "#k8s  level 4" || fail "skills lists mine"
until_ok 10 "a sees Bob's skill" bash -c \
    "'$LORE' --home '$(home a)' who-knows k8s --json | jq -e '.people[0].name == \"Bob\"'"
on b skills remove k8s | grep -q "Removed the skill" || fail "skills remove"
[ "$(on b skills --json | jq '.skills | length')" = 0 ] || fail "the skill is still listed"
until_ok 10 "a no longer sees Bob's skill" bash -c \
    "'$LORE' --home '$(home a)' who-knows k8s --json | jq -e '[.people[] | select(.declared > 0)] | length == 0'"
ok "skills: listed, removed, and who-knows on another node follows"

on b mentor offer rust >/dev/null
until_ok 10 "a finds Bob" bash -c \
    "'$LORE' --home '$(home a)' mentor find rust --json | jq -e '.mentors | length == 1'"
on b mentor withdraw | grep -q "Withdrew" || fail "mentor withdraw"
until_ok 10 "a no longer finds Bob" bash -c \
    "'$LORE' --home '$(home a)' mentor find rust --json | jq -e '.mentors | length == 0'"
ok "mentor withdraw: honoured on another node"

s=$(on b session announce "Rust intro" --at +2h --where "Room 1" | tail -n1)
until_ok 10 "a has the session" on a show "$s"
on a session rsvp "$s" >/dev/null
on a session rsvp "$s" | grep -q "already said yes" || fail "the same rsvp again"
on a session rsvp "$s" --no | grep -q "Changed your answer" || fail "rsvp change"
on a session rsvp "$s" | grep -q "from no to yes" || fail "rsvp change back"
until_ok 10 "b counts a's yes" bash -c \
    "'$LORE' --home '$(home b)' sessions --json | jq -e '.sessions[0].yes == 1'"
on b session move "$s" --at +3h --where "Room 2" | grep -q "Moved session" || fail "session move"
until_ok 10 "a sees the move, the yes kept" bash -c \
    "'$LORE' --home '$(home a)' sessions --json | jq -e '.sessions[0].where == \"Room 2\" and .sessions[0].yes == 1'"
out=$(on a session cancel "$s" 2>&1) && fail "a (not the host) cancelled: $out"
on b session cancel "$s" >/dev/null || fail "session cancel"
until_ok 10 "a sees it cancelled" bash -c \
    "'$LORE' --home '$(home a)' sessions | grep -q CANCELLED"
out=$(on a session rsvp "$s" --no 2>&1) && fail "an rsvp to a cancelled session: $out"
ok "sessions: rsvp changed, moved (RSVPs kept) and cancelled by the host, seen on another node"

for n in a b c; do stop "$n"; done # clean exits (under ASan: no leaks)
ok "the nodes stop cleanly"

echo "$checks passed, 0 failed"
