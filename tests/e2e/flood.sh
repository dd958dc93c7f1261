#!/usr/bin/env bash
# A hostile peer floods a node with garbage, bad entries and oversized frames: the node stays
# responsive, keeps syncing with its real peer, stores nothing bad, and shuns the flooder. First
# as an outsider (no join code: it never gets past CurveZMQ), then as someone holding the join
# code (past the ZAP handler, inside the encrypted link: the worst a leaked code allows).
# usage: flood.sh LORED LORE LORE_FLOOD
LORED=$1
LORE=$2
LORE_FLOOD=$3
. "$(dirname "$0")/lib.sh"

start victim
start friend --peer "$(addr victim)"
on victim init --name Victim >/dev/null
on friend init --name Friend >/dev/null
# The team (genesis), friend's certificate and two profiles.
settled() { [ "$(entries victim)" -eq 4 ] && same_ids victim friend; }
until_ok 10 "victim and friend in sync" settled
before=$(entries victim)

# The outsider: plain ZeroMQ, no keys.
"$LORE_FLOOD" "$(addr victim)" 3 >"$E2E_ROOT/outsider.out"
on victim status >/dev/null || fail "the victim does not answer after the outsider's flood"
[ "$(entries victim)" -eq "$before" ] || fail "something from the outsider got in: $before -> $(entries victim) entries"
[ "$(on victim peers --json | jq '.peers | length')" -eq 1 ] ||
    fail "the outsider got a link: $(on victim peers --json | jq -c '[.peers[].address]')"
refused=$(on victim status --json | jq .sync.refused_connections)
tries=$(awk '/connections/ {print $1}' "$E2E_ROOT/outsider.out")
[ "$refused" -ge 1 ] || fail "the victim did not count the outsider's refused connections"
echo "   (outsider: $tries connections tried, $refused refused at the CurveZMQ handshake and \
counted; 0 frames got through, 0 links, 0 stored)"
ok "an outsider's flood gets no link and stores nothing"

# The insider with a join code.
"$LORE_FLOOD" "$(addr victim)" 5 "$(code)" >"$E2E_ROOT/flood.out" &
flood=$!
worst=0
calls=0
q=
while kill -0 $flood 2>/dev/null; do
    t0=$(date +%s%N)
    on victim status >/dev/null || fail "status failed during the flood"
    dt=$((($(date +%s%N) - t0) / 1000000))
    [ $dt -gt $worst ] && worst=$dt
    calls=$((calls + 1))
    [ -z "$q" ] && q=$(post friend "printer during the flood")
    sleep 0.05
done
wait $flood
echo "   (flood: $(paste -sd, "$E2E_ROOT/flood.out" | sed 's/,/, /g'))"
echo "   ($calls status calls during the flood, slowest $worst ms)"
[ $worst -lt 2000 ] || fail "the node stalled for $worst ms during the flood"
ok "the node answers its local API throughout a flood"

until_ok 10 "the friend's question reaches the victim" on victim show "$q"
ok "sync with a real peer goes on during the flood"

after=$(entries victim)
[ "$after" -eq $((before + 1)) ] || fail "entries went from $before to $after: something bad got in"
[ "$(on victim check --json | jq .bad)" = 0 ] || fail "lore check finds bad entries"
tried=$(grep -hv connections "$E2E_ROOT/flood.out" | awk '{s += $1} END {print s}')
echo "   ($tried bad frames tried, 0 stored; replica check clean)"
ok "nothing from the flood was stored; the replica is intact"

grep -q "ignoring it for" "$E2E_ROOT/victim/lored.log" || fail "the flooder was not shunned"
[ "$(on victim peers --json | jq '[.peers[] | select(.state == "shunned")] | length')" -ge 1 ] ||
    fail "lore peers shows no shunned link"
ok "the flooder is shunned (BYE, ignored for 30 s, doubling)"

echo "$checks passed, 0 failed"
