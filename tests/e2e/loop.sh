#!/usr/bin/env bash
# The whole help loop on three nodes, as issue 6 states it: A asks an urgent question with a tag;
# B, who declared that skill, sees it in `lore watch` at once; B answers; A accepts. On C,
# `lore who-knows` ranks B first for the tag with the reason, and `lore stats` shows the time to
# first answer.
# usage: loop.sh LORED LORE
LORED=$1
LORE=$2
. "$(dirname "$0")/lib.sh"

start A
start B --peer "$(addr A)"
start C --peer "$(addr B)"
on A init --name "Ada" >/dev/null
on B init --name "Bob" >/dev/null
on C init --name "Cyd" >/dev/null
on B skills add kubernetes --level 4 >/dev/null
on C skills add kubernetes --level 5 >/dev/null # declared, never demonstrated
until_ok 10 "A B C in sync" same_ids A B C

on B watch --mine --json >"$E2E_ROOT/B-watch.out" 2>&1 &
wpid=$!
sleep 0.3
t0=$(date +%s%N)
q=$(on A ask "The ingress controller drops websockets after 60 s" --tag kubernetes --urgent \
    --body "Since the upgrade; nginx ingress." | tail -n1)
until_ok 2 "B's watch shows A's urgent question" grep -q "$q" "$E2E_ROOT/B-watch.out"
seen_ms=$((($(date +%s%N) - t0) / 1000000))
kill $wpid 2>/dev/null
wait $wpid 2>/dev/null || true
jq -e --arg q "$q" 'select(.entry.id == $q) | .for_you == true and .entry.urgent == true' \
    "$E2E_ROOT/B-watch.out" >/dev/null || fail "the event is not marked for B or not urgent"
ok "A's urgent question reaches B's watch (B declared the skill) in $seen_ms ms, marked for B"

ans=$(on B answer "$q" --body "Raise proxy-read-timeout: the default is 60 s." | tail -n1)
until_ok 5 "B's answer on A" on A show "$ans"
on A accept "$ans" >/dev/null
resolved() { [ "$(on C show "$q" --json | jq -r .entry.status)" = resolved ]; }
until_ok 5 "C sees the question resolved" resolved
ok "B answers, A accepts, the question is resolved on C"

bkey=$(on B status --json | jq -r .public_key)
wk=$(on C who-knows kubernetes --json)
[ "$(jq -r '.people[0].key' <<<"$wk")" = "$bkey" ] || fail "who-knows on C does not rank B first: $wk"
why=$(jq -r '.people[0].why' <<<"$wk")
[[ $why == *accepted* ]] || fail "B's reason does not mention the accepted answer: $why"
echo "   (who-knows kubernetes on C: $(jq -r '.people[] | "\(.name): \(.why)"' <<<"$wk" | paste -sd';'))"
ok "who-knows on C ranks B first for kubernetes, above C's own declared level 5, with the reason"

st=$(on C stats --json)
jq -e '.asked >= 1 and .median_hours_to_first_answer != null' <<<"$st" >/dev/null ||
    fail "stats on C: $st"
echo "   (stats on C: $(jq -r '"\(.asked) asked, median time to first answer \(.median_hours_to_first_answer * 3600 | floor) s, to accept \((.median_hours_to_accept // 0) * 3600 | floor) s"' <<<"$st"))"
on C stats | grep -qi "first answer" || fail "lore stats on C does not show the time to first answer"
ok "stats on C show the time to first answer"

echo "$checks passed, 0 failed"
