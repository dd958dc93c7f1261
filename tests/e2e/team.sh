#!/usr/bin/env bash
# Team membership over time, with real nodes on loopback: an admin revokes a member (its links
# are refused, its later entries rejected everywhere, even by a node that had taken one before it
# heard of the revocation), and rotates the join code (members keep syncing, a newcomer with the
# new code joins, one with the old code gets nothing).
# usage: team.sh LORED LORE
LORED=$1
LORE=$2
. "$(dirname "$0")/lib.sh"

nx="--set peer_exchange=off" # links only where the test puts them
start a $nx
start b $nx --peer "$(addr a)"
start c $nx --peer "$(addr a)"
start e $nx --peer "$(addr a)"
for n in a b c e; do on $n init --name "node $n" >/dev/null; done
early=$(post c "c asks before it is revoked")
until_ok 10 "a b c e in sync" same_ids a b c e
[ "$(on a team show --json | jq '.team.members | length')" -eq 4 ] || fail "a does not list 4 members"
[ "$(on b team show --json | jq -r .team.admin)" = false ] || fail "b is an admin"
ok "one admin and three members who joined with the code, in sync"

# Non-admins cannot revoke or rotate.
set +e
out=$(on b team revoke "node c" 2>&1); rc=$?
set -e
[ $rc -ne 0 ] && [[ $out == *admin* ]] || fail "b could revoke: $out"
ok "only an admin can revoke"

# --- revocation ---
stop e # e is away while c is revoked
stop c
t0=$(date +%s%N)
on a team revoke "node c" >/dev/null
revoked_on_b() { on b team show --json | jq -e '.team.members[] | select(.name == "node c") | .revoked_ms != null'; }
until_ok 5 "b knows c is revoked" revoked_on_b
echo "   (revocation reached b $((($(date +%s%N) - t0) / 1000000)) ms after lore team revoke)"
# c, offline, writes after its revocation; then meets e, who has not heard of it yet.
start c $nx --peer "$(addr a)" # a refuses it
late=$(post c "c asks after it was revoked")
start e $nx --peer "$(addr c)"
until_ok 10 "e takes c's late question (it does not know of the revocation)" on e show "$late"
# e meets a member who knows: it learns the revocation, removes c's late entry, drops c.
on e peers add "$(addr a)" >/dev/null
gone_on_e() { ! on e show "$late" >/dev/null 2>&1; }
until_ok 10 "e removes c's late question" gone_on_e
until_ok 10 "e drops its link to c" bash -c "LORE_HOME=$(home e) $LORE peers --json | jq -e '[.peers[] | select(.name == \"node c\" and .state == \"up\")] | length == 0'"
[ "$(on e status --json | jq .sync.purged_entries)" -ge 1 ] || fail "e counted no purge"
for n in a b e; do
    ! on $n show "$late" >/dev/null 2>&1 || fail "$n holds c's entry from after its revocation"
    on $n show "$early" >/dev/null || fail "$n lost c's entry from before its revocation"
done
grep -q "revoked\|not a member" "$(home a)/lored.log" || fail "a's log does not show c refused"
ok "a revoked member's new entries are rejected on every node (e removed one it had taken); its \
earlier ones stay"
[ "$(on c peers --json | jq '[.peers[] | select(.state == "up")] | length')" -eq 0 ] ||
    fail "revoked c still has a link up"
ok "the revoked member gets no link"

# --- rotation ---
old=$(code)
new=$(on a team rotate | tail -n1)
[ "$new" != "$old" ] || fail "rotate printed the old code"
q=$(post b "b asks after the rotation")
until_ok 10 "b's question on a and e after the rotation" bash -c \
    "LORE_HOME=$(home a) $LORE show $q && LORE_HOME=$(home e) $LORE show $q"
ok "after a rotation, members keep syncing without the new code"

E2E_NO_TEAM=1 start f $nx --peer "$(addr a)"
on f team join "$new" >/dev/null
on f init --name "node f" >/dev/null
until_ok 10 "f, joined with the new code, has b's question" on f show "$q"
fq=$(post f "f asks")
until_ok 10 "f's question on b" on b show "$fq"
ok "a newcomer with the new code joins and syncs"

E2E_NO_TEAM=1 start g $nx --peer "$(addr a)" --peer "$(addr b)"
# The joiner learns within seconds that the old code is refused (a ZAP refusal seen by its
# dialler), and says so: `team join` exits 1, `team show` and `status` say why.
t0=$(date +%s%N)
rc=0
on g team join "$old" >"$E2E_ROOT/out" 2>"$E2E_ROOT/err" || rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$rc" = 1 ] || fail "team join with the old code exited $rc: $(cat "$E2E_ROOT/out" "$E2E_ROOT/err")"
grep -q "join refused: the code is no longer valid (rotated?)" "$E2E_ROOT/err" ||
    fail "team join with the old code says: $(cat "$E2E_ROOT/out" "$E2E_ROOT/err")"
[ "$ms" -lt 15000 ] || fail "the refusal took $ms ms"
[ "$(on g team show --json | jq -r .team.join_state)" = refused ] || fail "team show: not refused"
on g status | grep -q "join refused" || fail "status does not say the join was refused"
ok "a join with the rotated-away code is refused in $ms ms; team show and status say so"
on g init --name "node g" >/dev/null
gq=$(post g "g asks with the old code")
sleep 3
! on g show "$q" >/dev/null 2>&1 || fail "g, with the old code, got a member's entry"
for n in a b e f; do ! on $n show "$gq" >/dev/null 2>&1 || fail "$n took g's entry"; done
[ "$(on g peers --json | jq '[.peers[] | select(.state == "up")] | length')" -eq 0 ] ||
    fail "g, with the old code, has a link up"
ok "the old code admits nobody new: g gets nothing and puts nothing in"

# A join code with nobody to reach: the CLI says so after its wait, and the node keeps trying.
E2E_NO_TEAM=1 start h $nx --set mdns=off
on h team join "$new" --timeout 1 >"$E2E_ROOT/out" || fail "team join with nobody to reach failed"
grep -q "no team node reached yet; still trying" "$E2E_ROOT/out" ||
    fail "team join with nobody to reach says: $(cat "$E2E_ROOT/out")"
[ "$(on h team show --json | jq -r .team.join_state)" = searching ] || fail "h is not searching"
ok "a join with nobody to reach says 'no team node reached yet; still trying'"

echo "$checks passed, 0 failed"
