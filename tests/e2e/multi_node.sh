#!/usr/bin/env bash
# Several real nodes on loopback: convergence, late joiners, partitions, crashes mid-bootstrap.
# usage: multi_node.sh LORED LORE LORE_FILL
LORED=$1
LORE=$2
LORE_FILL=$3
. "$(dirname "$0")/lib.sh"

# --- three nodes in a line: a <- b <- c ---
start a
start b --peer "$(addr a)"
start c --peer "$(addr b)"
for n in a b c; do on $n init --name "node $n" >/dev/null; done
for i in 1 2 3; do for n in a b c; do post $n "printer $n$i" >/dev/null; done; done
all_equal a b c
ok "3 nodes converge: $(entries a) entries, same ids and search results"

# A new question reaches the far end of the line quickly.
t0=$(date +%s%N)
q=$(post a "urgent printer fire")
until_ok 5 "question from a on c" on c show "$q"
ok "a question on a shows on c"

# b answers a's question; only a can accept it, and every node then sees it resolved.
ans=$(on b answer "$q" --body "Pull the fire alarm, then call facilities." | tail -n1)
until_ok 5 "b's answer on a" on a show "$ans"
set +e
out=$(on b accept "$ans" 2>&1); rc=$?
set -e
[ $rc -eq 1 ] && [[ $out == *"only the person who asked"* ]] || fail "b accepted a's question: $out"
on a accept "$ans" >/dev/null
resolved_on_c() { [ "$(on c show "$q" --json | jq -r .entry.status)" = resolved ]; }
until_ok 5 "c sees the question resolved" resolved_on_c
[ "$(on c show "$q" --json | jq -r .entry.accepted)" = "$ans" ] || fail "c has another accepted answer"
ok "only the asker accepts; the question is resolved on every node"

# Routing: c declares a skill; an urgent question in it streams to c's `watch --mine` at once,
# unrelated ones do not, and c's inbox lists it first.
on c skills add printing --level 4 >/dev/null
on c watch --mine --json >"$E2E_ROOT/c-watch.out" 2>&1 &
wpid=$!
sleep 0.3
lunch=$(on a ask "Lunch at noon?" --tag food | tail -n1)
t0=$(date +%s%N)
fire=$(on a ask "Printer on floor 3 is on fire" --tag printing --urgent | tail -n1)
until_ok 2 "the urgent question reaches c's watch" grep -q "$fire" "$E2E_ROOT/c-watch.out"
kill $wpid 2>/dev/null; wait $wpid 2>/dev/null || true
! grep -q "$lunch" "$E2E_ROOT/c-watch.out" || fail "watch --mine showed a question outside c's areas"
inbox=$(on c inbox --json)
[ "$(jq -r '.entries[0].id' <<<"$inbox")" = "$fire" ] || fail "the urgent question is not first in c's inbox"
jq -e --arg l "$lunch" '[.entries[].id] | index($l) == null' <<<"$inbox" >/dev/null ||
    fail "the inbox lists a question outside c's areas"
ok "an urgent question in c's skill reaches c's watch and tops c's inbox"

# A question addressed to c by name reaches c's inbox whatever its tags; b's does not list it.
direct=$(on a ask "Can you review my deck?" --tag slides --to "node c" | tail -n1)
until_ok 5 "the direct question in c's inbox" bash -c "LORE_HOME=$(home c) $LORE inbox --json | jq -e --arg d $direct '[.entries[].id] | index(\$d) != null'"
on b inbox --json | jq -e --arg d "$direct" '[.entries[].id] | index($d) == null' >/dev/null ||
    fail "a question addressed to c is in b's inbox"
set +e
out=$(on a ask "To nobody" --to "no such person" 2>&1); rc=$?
set -e
[ $rc -eq 1 ] && [[ $out == *"nobody called"* ]] || fail "--to an unknown person: $out"
ok "ask --to PERSON reaches that person's inbox, and only theirs"

# who-knows on a third node: b answered (and had an answer accepted) on printing; c only
# declared the skill. b ranks first, with the reason.
wk=$(on d who-knows printing --json 2>/dev/null || on a who-knows printing --json)
bkey=$(on b status --json | jq -r .public_key)
[ "$(jq -r '.people[0].key' <<<"$wk")" = "$bkey" ] || fail "who-knows does not rank b first: $wk"
[[ "$(jq -r '.people[0].why' <<<"$wk")" == *"1 accepted"* ]] || fail "no reason given: $wk"
ckey=$(on c status --json | jq -r .public_key)
[ "$(jq -r --arg c "$ckey" '[.people[].key] | index($c)' <<<"$wk")" -gt 0 ] ||
    fail "c (declared skill only) should rank below b: $wk"
echo "   (who-knows printing: $(jq -r '.people[] | "\(.name): \(.why)"' <<<"$wk" | paste -sd';'))"
ok "who-knows ranks the proven helper above a declared skill, with the reason"

st=$(on c stats --json)
jq -e '.asked >= 10 and (.median_hours_to_first_answer | type == "number") and .resolved >= 1
       and (.needs[0].tag == "printing")' <<<"$st" >/dev/null || fail "stats on c: $st"
same_stats() { [ "$(on c stats --json | jq -c 'del(.since_ms)')" = "$(on a stats --json | jq -c 'del(.since_ms)')" ]; }
until_ok 5 "the same stats on c and a" same_stats
echo "   (stats on c: $(jq -r '"\(.asked) asked, \(.answered_pct|floor)% answered, median first answer \(.median_hours_to_first_answer*3600|floor) s"' <<<"$st"))"
ok "stats on c show the time to first answer; the same on a"

# Recognition: c upvotes and thanks b's accepted answer, then changes its vote to down; c cannot
# vote on its own entries. The ledger on a: 15 (accepted) + 5 (thanks) - 2 (latest vote) = 18.
on c vote "$ans" up >/dev/null
on c thank "$ans" --body "Saved the day" >/dev/null
on c thank "$ans" >/dev/null
on c vote "$ans" down >/dev/null
cq=$(on c ask "c's own question" --tag misc | tail -n1)
set +e
out=$(on c vote "$cq" up 2>&1); rc=$?
set -e
[ $rc -eq 1 ] && [[ $out == *"your own"* ]] || fail "c voted on its own entry: $out"
b_points() { on a top --json | jq -e --arg b "$bkey" '[.people[] | select(.key == $b)][0].points == 18'; }
until_ok 5 "b's points on a are 15 + 5 - 2" b_points
[ "$(on a top --json | jq -r '.people[0].badges | index("first answer") != null')" = true ] ||
    fail "no first-answer badge"
ok "votes (latest counts), thanks (once), accepts add up the same on another node; no self-votes"

# --- a node restarts on the same port: its neighbours notice and carry on ---
baddr=$(addr b)
bkey=$(on b status --json | jq -r .public_key)
crash b                             # kill -9: no goodbye, only heartbeats can tell
until_ok 5 "a notices b is gone" bash -c "LORE_HOME=$(home a) $LORE peers --json | jq -e '[.peers[] | select(.key == \"$bkey\" and .state == \"up\")] | length == 0'"
ok "a crashed peer is noticed within 5 s"
start b --listen "$baddr" --peer "$(addr a)"
q=$(post c "printer after b restarted")
until_ok 5 "c's question on a through the restarted b" on a show "$q"
ok "restarted node rejoins; a new question crosses it"

# --- peer exchange: e3 only knows e2, e2 only knows e1; e1 and e3 find each other ---
start e1
start e2 --peer "$(addr e1)"
start e3 --peer "$(addr e2)"
e3key=$(on e3 status --json | jq -r .public_key)
until_ok 10 "e1 learns e3 from e2" bash -c "LORE_HOME=$(home e1) $LORE peers --json | jq -e '[.peers[] | select(.key == \"$e3key\" and .state == \"up\")] | length == 1'"
on e1 peers --json | jq -e "[.peers[] | select(.key == \"$e3key\") | .found_by] | inside([\"exchange\", \"inbound\"])" >/dev/null ||
    fail "e3's link on e1 was not found by exchange"
ok "peer exchange: nodes two hops apart link up directly"
e1key=$(on e1 status --json | jq -r .public_key)
linked_to_e1() { on r peers --json | jq -e "[.peers[] | select(.key == \"$e1key\" and .state == \"up\")] | length == 1"; }
start r --peer "$(addr e2)"
until_ok 10 "r learns e1 from e2" linked_to_e1
stop r
start r                             # no peer given: it must remember e1
until_ok 10 "r redials the remembered e1" linked_to_e1
ok "known peers are remembered across restarts"
for n in e1 e2 e3 r; do stop $n; done

# --- a late joiner gets everything ---
start d --peer "$(addr c)"
all_equal a b c d
ok "late joiner d has everything"

# --- ten nodes, each linked to two earlier ones ---
names=(a b c d)
for i in $(seq 5 10); do
    n=n$i
    prev=${names[$((${#names[@]} - 1))]}
    other=${names[$((RANDOM % ${#names[@]}))]}
    start $n --peer "$(addr "$prev")" --peer "$(addr "$other")"
    names+=($n)
done
for n in "${names[@]}"; do post $n "printer from $n" >/dev/null; done
all_equal "${names[@]}"
ok "10 nodes converge: $(entries a) entries each"

# Duplicates were delivered (the graph has cycles) and were harmless.
dups=0
for n in "${names[@]}"; do dups=$((dups + $(on $n status --json | jq .sync.duplicates))); done
echo "   ($dups duplicate deliveries absorbed)"
ok "duplicated delivery is harmless"

# --- partition: x1 - x2 | y1 - y2, joined by y1 dialling x1 (no peer exchange here, so that
# cutting that one link really splits them) ---
nx="--set peer_exchange=off"
start x1 $nx
start x2 $nx --peer "$(addr x1)"
start y1 $nx --peer "$(addr x1)"
start y2 $nx --peer "$(addr y1)"
post x1 "printer before the split" >/dev/null
all_equal x1 x2 y1 y2
xaddr=$(addr x1)
stop y1
start y1 $nx --peer "$(addr y2)"    # no link to x1 any more: two islands
for i in 1 2 3; do post x2 "printer west $i" >/dev/null; post y2 "printer east $i" >/dev/null; done
until_ok 10 "x side settles" same_ids x1 x2
until_ok 10 "y side settles" same_ids y1 y2
[ "$(ids x1)" != "$(ids y1)" ] || fail "the islands were not apart"
ok "partition: both sides write, each island converges on its own"
stop y1
start y1 $nx --peer "$(addr y2)" --peer "$xaddr"  # heal
all_equal x1 x2 y1 y2
ok "partition healed: all four hold the same $(entries x1) entries"

# --- crash in the middle of a bootstrap ---
mkdir -p "$(home big)/data" && chmod 700 "$(home big)/data"
"$LORE_FILL" "$(home big)/data/replica.db" 30000 --code "$(code)" >/dev/null
start big
start fresh --peer "$(addr big)"
until_ok 30 "fresh has started bootstrapping" \
    bash -c "[ \$(LORE_HOME=$(home fresh) $LORE status --json | jq .entries) -gt 2000 ]"
crash fresh
got=$(sqlite3 "$(home fresh)/data/replica.db" "PRAGMA integrity_check; SELECT count(*) FROM entries;")
[ "$(head -n1 <<<"$got")" = ok ] || fail "integrity check after kill -9: $got"
partial=$(tail -n1 <<<"$got")
echo "   (killed with $partial of 30000 entries stored)"
[ "$partial" -lt 30000 ] || fail "the bootstrap had already finished; nothing was tested"
start fresh --peer "$(addr big)"
[ "$(entries fresh)" -ge "$partial" ] || fail "entries committed before the crash were lost"
total=$(entries big)
until_ok 240 "fresh finishes the bootstrap" bash -c "[ \$(LORE_HOME=$(home fresh) $LORE status --json | jq .entries) -eq $total ]"
[ "$(sqlite3 "$(home fresh)/data/replica.db" 'PRAGMA integrity_check')" = ok ] || fail "integrity"
# The background integrity pass waited while the pipeline stored the bootstrap.
waited=$(api fresh '{"op":"integrity"}' | jq .waited)
[ "$waited" -gt 0 ] || fail "the integrity pass did not wait during the bootstrap: $waited"
ok "kill -9 mid-bootstrap: nothing committed lost, integrity ok, converged to $total (30000 filled)"

echo "$checks passed, 0 failed"
