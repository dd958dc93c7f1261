#!/usr/bin/env bash
# A newcomer's link survives its peer's restarts. B joins with the code by dialling A (a static
# peer, no mDNS, no peer exchange); A restarts five times, alternately cleanly and with kill -9,
# and after each restart a note A posts reaches B, and one B posts reaches A, within 5 s; B, a
# member by then, redials with its node key. Then A comes back from a copy of its data taken
# before B joined (it does not know B's certificate: B must get in with the join key again), and
# B restarts, cleanly and with kill -9 (it dials as a member from the start).
# usage: relink.sh LORED LORE
LORED=$1
LORE=$2
. "$(dirname "$0")/lib.sh"

nx="--set peer_exchange=off --set mdns=off"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
a_addr="127.0.0.1:$port"

start a $nx --listen "$a_addr"
on a init --name "node a" >/dev/null
cp -a "$(home a)/data" "$E2E_ROOT/a-data-before-b" # A as it was before B joined
start b $nx --peer "$a_addr"
on b init --name "node b" >/dev/null
grep -q "dialling $a_addr as a newcomer" "$(home b)/lored.log" || fail "b did not dial a as a newcomer"
first=$(post a "before any restart" 2>/dev/null)
until_ok 10 "b has a's first note" on b show "$first"
ok "b joined by dialling a with the join code, and syncs"

# poll LIMIT NODE ID: wait up to LIMIT seconds for the entry, print how long it took.
took=()
within() {
    local limit=$1 n=$2 id=$3 what=$4 t0 ms
    t0=$(date +%s%N)
    while ! on "$n" show "$id" >/dev/null 2>&1; do
        ms=$((($(date +%s%N) - t0) / 1000000))
        [ "$ms" -lt $((limit * 1000)) ] || fail "$what: not there after $limit s"
        sleep 0.1
    done
    ms=$((($(date +%s%N) - t0) / 1000000))
    took+=("$ms")
    echo "   ($what after $ms ms)"
}

for i in 1 2 3 4 5; do
    if [ $((i % 2)) = 1 ]; then
        how="clean"
        stop a
    else
        how="kill -9"
        crash a
    fi
    start a $nx --listen "$a_addr"
    qa=$(post a "a asks after restart $i ($how)" 2>/dev/null)
    within 5 "b" "$qa" "restart $i ($how): a's note on b"
    qb=$(post b "b asks after a's restart $i ($how)" 2>/dev/null)
    within 5 "a" "$qb" "restart $i ($how): b's note on a"
    ok "restart $i of a ($how): notes cross both ways within 5 s"
done
echo "   (times in ms: ${took[*]})"
! grep -q "did not prove" "$(home a)/lored.log" || fail "a refused b as not proving its key"
grep -q "dialling $a_addr as a member (node key) now" "$(home b)/lored.log" ||
    fail "b, a member now, still dials a with the join key"

# A comes back without B's certificate (its data from before B joined), as if it had restarted
# before B's certificate reached it: B, a member now and dialling with its node key, is refused
# by A's ZAP; it must fall back to the join key and show its certificate again.
stop a
rm -rf "$(home a)/data"
cp -a "$E2E_ROOT/a-data-before-b" "$(home a)/data"
start a $nx --listen "$a_addr"
qa=$(post a "a asks with its old data" 2>/dev/null)
within 15 "b" "$qa" "a back without b's certificate: a's note on b"
qb=$(post b "b asks a, who forgot it" 2>/dev/null)
within 15 "a" "$qb" "a back without b's certificate: b's note on a"
ok "a peer that lost a newcomer's certificate takes it again"

# The symmetric case: B restarts (it is a member now) and must get straight back in.
for i in 1 2; do
    if [ $i = 1 ]; then stop b; else crash b; fi
    start b $nx --peer "$a_addr"
    qa=$(post a "a asks after b's restart $i" 2>/dev/null)
    within 10 "b" "$qa" "b's restart $i: a's note on b"
    qb=$(post b "b asks after its restart $i" 2>/dev/null)
    within 10 "a" "$qb" "b's restart $i: b's note on a"
    ok "restart $i of b: notes cross both ways"
done
grep -q "dialling $a_addr\$" "$(home b)/lored.log" || fail "b never dialled a as a member"

for n in a b; do
    ! grep -q "did not prove" "$(home $n)/lored.log" || fail "$n refused an honest member"
done
ok "no honest member was ever refused for its proof"
echo "$checks passed, 0 failed"
