#!/usr/bin/env bash
# docs/SECURITY.md, "Responding to a lost laptop", followed word for word with real nodes: Bob
# posts an answer and a note; his laptop is lost; an admin runs `lore team revoke Bob`, then
# `lore team rotate`. Bob's earlier content stays on every node and the question stays resolved;
# the lost laptop can neither sync nor put anything in; Bob's new node joins with the new code and
# publishes a profile; the old code admits nobody.
# usage: lost_laptop.sh LORED LORE
LORED=$1
LORE=$2
. "$(dirname "$0")/lib.sh"

nx="--set peer_exchange=off" # links only where the test puts them
start a $nx
start b $nx --peer "$(addr a)"
start c $nx --peer "$(addr a)" --peer "$(addr b)"
on a init --name Ann >/dev/null
on b init --name Bob >/dev/null
on c init --name Cid >/dev/null
q=$(post c "the office printer jams on A3")
until_ok 10 "b has c's question" on b show "$q"
ans=$(on b answer "$q" --body "Use tray 2: tray 1 has a bent guide." | tail -n1)
note=$(on b note "Printer trays" --tag printing --body "Tray 2 takes A3; tray 1 does not." | tail -n1)
until_ok 10 "c has Bob's answer" on c show "$ans"
on c accept "$ans" >/dev/null
until_ok 10 "a b c in sync" same_ids a b c
for n in a c; do
    [ "$(on $n show "$q" --json | jq -r .entry.status)" = resolved ] || fail "$n: the question is not resolved"
done
ok "Bob answered (accepted) and shared a note; every node has them"

# 1. From any admin's node: lore team revoke NAME.
stop b # the laptop is gone; it is offline, or not
on a team revoke Bob >/dev/null
revoked_on_c() { on c team show --json | jq -e '.team.members[] | select(.name == "Bob") | .revoked_ms != null'; }
until_ok 10 "c knows Bob is revoked" revoked_on_c
# 2. The laptop holds the current join code: also run lore team rotate.
old=$(code)
new=$(on a team rotate | tail -n1)
[ -n "$new" ] && [ "$new" != "$old" ] || fail "rotate printed no new code"
rotated_on_c() { on c show "$(on a list --kind rotation --json --limit 1 | jq -r '.entries[0].id')" >/dev/null; }
until_ok 10 "c has the rotation" rotated_on_c
sleep 2 # let any purge the rotation would cause happen
for n in a c; do
    on $n show "$ans" >/dev/null 2>&1 || fail "$n lost Bob's answer from before his revocation"
    on $n show "$note" >/dev/null 2>&1 || fail "$n lost Bob's note from before his revocation"
    [ "$(on $n show "$q" --json | jq -r .entry.status)" = resolved ] ||
        fail "$n: the question is no longer resolved"
    ! on $n list --open --json | jq -e --arg q "$q" '.entries[] | select(.id == $q)' >/dev/null ||
        fail "$n lists the question as open again"
    [ "$(on $n status --json | jq .sync.purged_entries)" -eq 0 ] || fail "$n purged entries"
done
ok "after revoke and rotate, Bob's earlier answer and note stay everywhere; the question stays resolved"

# The lost laptop comes back online: it can neither sync nor put anything in.
start b $nx --peer "$(addr a)" --peer "$(addr c)"
late=$(post b "written on the lost laptop")
sleep 3
for n in a c; do ! on $n show "$late" >/dev/null 2>&1 || fail "$n took an entry from the lost laptop"; done
[ "$(on b peers --json | jq '[.peers[] | select(.state == "up")] | length')" -eq 0 ] ||
    fail "the lost laptop has a link up"
! on b show "$(on a list --kind rotation --json --limit 1 | jq -r '.entries[0].id')" >/dev/null 2>&1 ||
    fail "the lost laptop got the rotation"
ok "the lost laptop gets no link: nothing in, nothing out"

# 3. The person runs a new node, joins with the new code, and publishes a profile.
E2E_NO_TEAM=1 start b2 $nx --peer "$(addr a)"
on b2 team join "$new" >/dev/null
on b2 init --name Bob >/dev/null
until_ok 10 "Bob's new node has his old answer" on b2 show "$ans"
hello=$(post b2 "Bob is back on a new laptop")
until_ok 10 "c has Bob's new question" on c show "$hello"
b2key=$(on b2 status --json | jq -r .public_key)
until_ok 10 "c lists Bob's new key as a member" bash -c \
    "LORE_HOME=$(home c) $LORE team show --json | jq -e --arg k $b2key '.team.members[] | select(.key == \$k and .name == \"Bob\" and .revoked_ms == null)'"
ok "Bob's new node joins with the new code, publishes a profile, and syncs"

# The old code admits nobody.
E2E_NO_TEAM=1 start g $nx --peer "$(addr a)" --peer "$(addr c)"
rc=0
on g team join "$old" >/dev/null 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "team join with the old code exited $rc, not 1 (refused)"
on g init --name Gus >/dev/null
gq=$(post g "g asks with the old code")
sleep 3
! on g show "$q" >/dev/null 2>&1 || fail "g, with the old code, got a member's entry"
for n in a c b2; do ! on $n show "$gq" >/dev/null 2>&1 || fail "$n took g's entry"; done
ok "the old code admits nobody: g gets nothing and puts nothing in"

echo "$checks passed, 0 failed"
