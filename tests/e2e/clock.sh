#!/usr/bin/env bash
# Time (docs/PROTOCOL.md, "Time"), with real nodes on loopback and faketime (libfaketime, wall
# clock only: FAKETIME_DONT_FAKE_MONOTONIC=1, so the event loop's timers run at the real pace):
#  - a node whose clock is a day ahead, then a year behind, says so in `lore status` (plain and
#    --json), refuses to post with a clear error instead of crashing, keeps syncing, and
#    converges once its clock is right;
#  - an entry dated 2100 is held back: not first in `list` on the node that wrote it, and not
#    offered to peers until its time comes.
# usage: clock.sh LORED LORE
LORED=$1
LORE=$2
. "$(dirname "$0")/lib.sh"

# libfaketime's thread-safe variant, preloaded straight into lored (not through the faketime
# program, which would stand between the test and lored's exit status).
FAKELIB=$(ls /usr/lib/*/faketime/libfaketimeMT.so.1 2>/dev/null | head -n1)
[ -n "$FAKELIB" ] || { echo "SKIP: libfaketime is not installed"; exit 77; }
REAL_LORED=$LORED
# skewed SPEC NAME ARGS...: start a node whose wall clock is SPEC (faketime syntax).
skewed() {
    local spec=$1 w="$E2E_ROOT/lored-faketime"
    shift
    # (An ASan build wants its runtime first; libfaketime before it is fine for this test.)
    printf '#!/bin/sh\nASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
LD_PRELOAD="%s" FAKETIME="%s" FAKETIME_DONT_FAKE_MONOTONIC=1 exec "%s" "$@"\n' \
        "$FAKELIB" "$spec" "$REAL_LORED" >"$w"
    chmod +x "$w"
    LORED=$w start "$@"
    LORED=$REAL_LORED
}
clock_ok() { [ "$(on "$1" status --json | jq .clock.ok)" = true ]; }
clock_wrong() { [ "$(on "$1" status --json | jq .clock.ok)" = false ]; }
has() { on "$1" show "$2" >/dev/null 2>&1; }

# faketime shifts lored's wall clock (what entries are dated with), threads included.
out=$(LD_PRELOAD="$FAKELIB" FAKETIME=+1d FAKETIME_DONT_FAKE_MONOTONIC=1 date +%s)
[ $((out - $(date +%s))) -ge 86000 ] || fail "faketime does not shift the clock"

nx="--set peer_exchange=off" # links only where the test puts them
start a $nx
start b $nx --peer "$(addr a)"
start c $nx --peer "$(addr a)" --peer "$(addr b)"
for n in a b c; do on $n init --name "node $n" >/dev/null; done
until_ok 20 "a b c in sync" same_ids a b c
clock_ok c || fail "c's clock is wrong before any skew"
ok "three nodes in sync, clocks agree"

for skew in +1d -365d; do
    pa=$(addr a)
    pb=$(addr b)
    stop c
    skewed "$skew" c $nx --peer "$pa" --peer "$pb"
    until_ok 20 "c ($skew) reports its clock as wrong" clock_wrong c
    on c status | grep -q "clock: .*WRONG" || fail "plain status does not say the clock is wrong"
    on c status --json | jq -e '.clock.problem | test("clock")' >/dev/null ||
        fail "status --json has no problem text"
    if out=$(on c ask "asked with a wrong clock" --tag printing 2>&1); then
        fail "c ($skew) posted with a wrong clock: $out"
    fi
    echo "$out" | grep -q "clock" || fail "the refusal does not mention the clock: $out"
    kill -0 "${E2E_PID[c]}" || fail "c crashed"
    ok "c at $skew: status says the clock is wrong, posting is refused ($(echo "$out" | head -c 90)...)"
    # It still takes its peers' news (the team's clock, not its own, decides what is due).
    q=$(post a "asked while c's clock is $skew")
    until_ok 20 "c ($skew) receives a's question" has c "$q"
    ok "c at $skew keeps syncing"
    stop c
    start c $nx --peer "$pa" --peer "$pb"
    until_ok 20 "c's clock is right again" clock_ok c
    q=$(post c "c asks once its clock is right ($skew)")
    until_ok 20 "a has c's question" has a "$q"
    until_ok 30 "a b c converge" same_ids a b c
    ok "c at $skew then right: it posts again and converges"
done

# A node (in no team yet) whose clock says 2100 writes a question; back at the right time, its
# own list holds it back. It then joins the team: its present question reaches a, the 2100 one
# does not (not offered, not served), and a holds back nothing it did not get.
E2E_NO_TEAM=1 skewed '@2100-01-01 00:00:00' f $nx
future=$(on f ask "a question from 2100" --tag printing | tail -n1)
[ "$(on f show "$future" --json | jq .entry.created_ms)" -ge 4102444800000 ] ||
    fail "faketime did not date f's question in 2100"
stop f
E2E_NO_TEAM=1 start f $nx
now_q=$(on f ask "a question from today" --tag printing | tail -n1)
first=$(on f list --json | jq -r '.entries[0].id')
[ "$first" = "$now_q" ] || fail "f's list starts with $first, not today's question"
on f list --json | jq -e --arg id "$future" '[.entries[].id] | index($id) == null' >/dev/null ||
    fail "f lists the 2100 question"
on f search "2100" --json | jq -e '.results | length == 0' >/dev/null || fail "search finds 2100"
ok "an entry dated 2100 is held back from list and search"
on f team join "$(code)" >/dev/null || fail "f could not join"
stop f
start f $nx --peer "$(addr a)"
until_ok 30 "a has f's question of today" has a "$now_q"
sleep 3 # a few reconciliation rounds (sync_interval=2)
has a "$future" && fail "the 2100 question reached a"
on a list --json --limit 500 | jq -e --arg id "$future" '[.entries[].id] | index($id) == null' \
    >/dev/null || fail "a lists the 2100 question"
ok "the 2100 question is not offered to peers; today's is"

echo "PASS: $checks checks"
