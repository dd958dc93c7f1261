#!/usr/bin/env bash
# Issue 12: the help loop closes. Ada asks an urgent question tagged with Bob's skill while Bob's
# node is down; Cy follows the tag: after escalate_after (2 s here) the question reaches Cy's
# `lore watch --mine` with the escalation reason; Cy answers and Ada's `watch --mine` gets the
# answer "answered your question". An urgent question in nobody's areas reaches everyone after
# escalate_again more. The watchers write to files under $E2E_ROOT (A-watch.json, A-watch.txt,
# C-watch.json, C-watch.txt). Ada's JSON watcher runs with --notify on a private session bus
# (dbus-daemon) where tests/tools/notify_listen stands for her desktop: the answer's notification
# must reach it.
# usage: help_loop.sh LORED LORE NOTIFY_LISTEN
LORED=$1
LORE=$2
LISTEN=$3
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bus.sh"

esc=(--set escalate_after=2 --set escalate_again=4)
start A "${esc[@]}"
start B --peer "$(addr A)" "${esc[@]}"
start C --peer "$(addr A)" "${esc[@]}"
on A init --name "Ada Lovelace" >/dev/null
on B init --name "Bob Noyce" >/dev/null
on C init --name "Cy Young" >/dev/null
on B skills add kubernetes --level 4 >/dev/null
on C follow kubernetes >/dev/null
until_ok 20 "A B C in sync" same_ids A B C
stop B
ok "three nodes: Bob knows kubernetes (his node is now down), Cy follows it"

bus_start
listen_start
DBUS_SESSION_BUS_ADDRESS=$BUS on A watch --mine --json --notify=all >"$E2E_ROOT/A-watch.json" \
    2>>"$E2E_ROOT/watch.err" &
wa=$!
on A watch --mine >"$E2E_ROOT/A-watch.txt" 2>>"$E2E_ROOT/watch.err" &
wat=$!
on C watch --mine --json >"$E2E_ROOT/C-watch.json" 2>>"$E2E_ROOT/watch.err" &
wcj=$!
on C watch --mine >"$E2E_ROOT/C-watch.txt" 2>>"$E2E_ROOT/watch.err" &
wct=$!
# events FILE FILTER [jq args...]: the events of a watcher's file that FILTER selects, one per
# line; has_event: succeed if there is one (an empty file selects nothing).
events() {
    local f=$1 filter=$2
    shift 2
    jq -c "$@" "select($filter)" "$f"
}
has_event() { [ -n "$(events "$@")" ]; }
until_ok 10 "four watchers subscribed" bash -c \
    "[ \$(LORE_HOME='$(home A)' '$LORE' status --json | jq .subscribers) = 2 ] && [ \$(LORE_HOME='$(home C)' '$LORE' status --json | jq .subscribers) = 2 ]"

t0=$(date +%s%N)
q=$(on A ask "Ingress drops websockets after 60 s" --tag kubernetes --urgent \
    --body "Since the nginx upgrade." | tail -n1)
until_ok 10 "C has the question" on C show "$q"
until_ok 30 "the escalation reaches Cy's watch" has_event "$E2E_ROOT/C-watch.json" \
    '.entry.id == $q and .escalated == true' --arg q "$q"
esc_ms=$((($(date +%s%N) - t0) / 1000000))
ev=$(events "$E2E_ROOT/C-watch.json" '.entry.id == $q' --arg q "$q")
[ -n "$ev" ] && [ "$(wc -l <<<"$ev")" = 1 ] ||
    fail "Cy's watch --mine had the question before its delay, or twice: $ev"
jq -e '.event == "entry" and .for_you == true and .reason == "unanswered for 2 s" and
       .circle == 2' <<<"$ev" >/dev/null || fail "the escalation event: $ev"
until_ok 5 "the plain watch shows the reason" grep -q "^unanswered for 2 s: ${q:0:12}" \
    "$E2E_ROOT/C-watch.txt"
on C inbox --json | jq -e --arg q "$q" \
    '.entries[] | select(.id == $q) | .reason == "unanswered for 2 s" and .escalated == true' \
    >/dev/null || fail "Cy's inbox lacks the escalated question with its reason"
ok "Ada's urgent question reaches Cy (who follows its tag) with \"unanswered for 2 s\" after $esc_ms ms (delay 2 s)"

t1=$(date +%s%N)
ans=$(on C answer "$q" --body "Raise proxy-read-timeout; the default is 60 s." | tail -n1)
until_ok 30 "Ada's watch --mine gets the answer" has_event "$E2E_ROOT/A-watch.json" \
    '.entry.id == $a and .for_you == true and .reason == "answered your question"' --arg a "$ans"
ans_ms=$((($(date +%s%N) - t1) / 1000000))
until_ok 5 "the plain watch shows the reason" grep -q "^answered your question: ${ans:0:12}" \
    "$E2E_ROOT/A-watch.txt"
ok "Cy answers; Ada's watch --mine --json says \"answered your question\" $ans_ms ms after the answer was written"
# The watch notifies before it prints an event, and Notify is a method call the server answers
# after printing its line: the answer is in A-watch.json, so its notification is in notes.
note=$(jq -c 'select(.summary == "Answer from Cy Young (answered your question)")' "$E2E_ROOT/notes")
[ "$(wc -l <<<"$note")" = 1 ] && jq -e '.app_name == "lore" and
    (.body | startswith("Raise proxy-read-timeout"))' <<<"$note" >/dev/null ||
    fail "Ada's desktop did not get one notification of the answer: $(cat "$E2E_ROOT/notes")"
ok "Ada's desktop (a private session bus) got the notification: $note"

inbox=$(on A inbox --json)
jq -e --arg a "$ans" '.on_yours[0].entry.id == $a and .on_yours[0].reason ==
    "answered your question"' <<<"$inbox" >/dev/null || fail "Ada's inbox on_yours: $inbox"
on A inbox | grep -q "answered your question \"Ingress drops websockets" ||
    fail "Ada's inbox does not say her question was answered"
on A digest --json | jq -e --arg a "$ans" '[.on_yours[].entry.id] | index($a) != null' \
    >/dev/null || fail "Ada's digest lacks the answer"
ok "Ada's inbox (\"new on your questions\") and digest show the answer with its reason"

# Circle 3: nobody here has the skill or follows the tag; after 2 + 4 s it reaches everyone up.
t2=$(date +%s%N)
q2=$(on A ask "The build cache is corrupt" --tag bazel --urgent 2>/dev/null | tail -n1)
until_ok 30 "the question in nobody's areas reaches Cy" has_event "$E2E_ROOT/C-watch.json" \
    '.entry.id == $q and .circle == 3 and
     .reason == "unanswered for 6 s, nobody in its circle answered"' --arg q "$q2"
ok "an urgent question in nobody's areas reaches everyone whose node is up after $((($(date +%s%N) - t2) / 1000000)) ms (delays 2 + 4 s)"
# C's pass runs on C's loop, as does the answer C stores: if the answer was stored before the
# question was 6 s old, no pass can have found it unanswered and 6 s old.
qc=$(on C show "$q" --json | jq .entry.created_ms)
ac=$(on C show "$ans" --json | jq .entry.created_ms)
if [ $((ac - qc)) -lt 6000 ]; then
    ! has_event "$E2E_ROOT/C-watch.json" '.entry.id == $q and .circle == 3' --arg q "$q" ||
        fail "the answered question escalated again"
else
    echo "   (the answer came $((ac - qc)) ms after the question, past both delays: not checked)"
fi
! has_event "$E2E_ROOT/A-watch.json" '.escalated == true' || fail "Ada was sent her own question"
ok "the answer stopped the first question; the asker is never sent her own"

kill "$wa" "$wat" "$wcj" "$wct" 2>/dev/null || true
wait "$wa" "$wat" "$wcj" "$wct" 2>/dev/null || true
echo "figures: escalation ${esc_ms} ms (delay 2000 ms); answer to asker's watch ${ans_ms} ms"
echo "all $checks checks passed"
