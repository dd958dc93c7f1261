#!/usr/bin/env bash
# Keeping content, with real nodes on loopback: edits (by the author only; shown everywhere, with
# history and a diff; answerers told when a question changes), retractions (the entry is dropped
# on every node, also where the retraction came first, and never comes back), flags, pins (admins
# only), search filters and the re-rank (accepted and upvoted answers up, obsolete notes down).
# usage: content.sh LORED LORE
LORED=$1
LORE=$2
. "$(dirname "$0")/lib.sh"

nx="--set peer_exchange=off --set mdns=off" # links only where the test puts them
start a $nx # the team admin
start b $nx --peer "$(addr a)"
on a init --name Alice >/dev/null
on b init --name Bob >/dev/null

# --- edits ---
on b watch --json >"$E2E_ROOT/b-watch.out" 2>&1 &
watch_pid=$!
q=$(on a ask "Printer jams on floor two" --tag printing --body "$(printf 'It jams.\nEvery morning.\nTray 2.')" | tail -n1)
until_ok 10 "b has a's question" on b show "$q"
ans=$(on b answer "$q" --body "Use the other tray." | tail -n1)
until_ok 10 "a has b's answer" on a show "$ans"
on a edit "$q" --title "Printer jams on floor 2 (tray 2)" \
    --body "$(printf 'It jams.\nEvery morning, at nine.\nTray 2.')" --tag printing --tag hardware \
    >/dev/null
edited_on() {
    on "$1" show "$q" --json |
        jq -e '.entry.title == "Printer jams on floor 2 (tray 2)" and .entry.edits == 1 and
               (.entry.tags | index("hardware")) != null'
}
until_ok 10 "b shows the edit" edited_on b
edited_on a >/dev/null || fail "a does not show its own edit"
on b show "$q" | grep -q "Edited:    1 time, last" || fail "show does not say it was edited"
on b list --json | jq -e --arg q "$q" '.entries[] | select(.id == $q) | .title == "Printer jams on floor 2 (tray 2)"' \
    >/dev/null || fail "list shows the old title"
on b search "nine" --json | jq -e --arg q "$q" '[.results[].entry.id] == [$q]' >/dev/null ||
    fail "search does not find the new text"
[ "$(on b search "morning" --json | jq '[.results[] | select(.entry.id == "'"$q"'")] | length')" = 1 ] ||
    fail "search finds an edited entry twice"
on b list --tag hardware --json | jq -e --arg q "$q" '[.entries[].id] == [$q]' >/dev/null ||
    fail "the tag filter does not see the new tags"
ok "the author's edit shows on both nodes: show (edited 1 time), list, search (once), tags"

set +e
out=$(on b edit "$q" --title "Hijacked" 2>&1); rc=$?
set -e
[ $rc -eq 1 ] && [[ $out == *"only the author"* ]] && [ "$(echo "$out" | wc -l)" = 1 ] ||
    fail "b could edit a's question: $out"
ok "an edit by someone else is refused in one line"

hist=$(on b show "$q" --history)
echo "$hist" | grep -q "Version 2" || fail "history lacks version 2: $hist"
echo "$hist" | grep -q -- "-Every morning." || fail "history lacks the removed line: $hist"
echo "$hist" | grep -q -- "+Every morning, at nine." || fail "history lacks the added line: $hist"
echo "$hist" | grep -q -- "->.*tray 2" || fail "history lacks the title change: $hist"
[ "$(on b show "$q" --history --json | jq '.history | length')" = 2 ] || fail "history JSON"
ok "show --history lists both versions with a line diff"

until_ok 10 "b's watch tells b the question it answered changed" \
    jq -e -s --arg q "$q" 'map(select(.for_you and .reason == "a question you answered changed"
        and .entry.refs[0] == $q)) | length == 1' "$E2E_ROOT/b-watch.out"
kill "$watch_pid"
ok "the answerer's watch gets a for_you event with the reason"

# --- flags and pins ---
note=$(on b note "Toner codes" --tag printing --body "TN-2420 for the floor 2 printer." | tail -n1)
until_ok 10 "a has b's note" on a show "$note"
on a flag "$note" verified >/dev/null
on b flag "$note" verified >/dev/null
until_ok 10 "b sees two verified flags" \
    bash -c "LORE_HOME=$(home b) $LORE show $note --json | jq -e '.entry.flags.verified == 2'"
on b list | grep "Toner codes" | grep -q "\[verified by 2\]" || fail "list does not show the flags"
on a flag "$note" obsolete >/dev/null
until_ok 10 "a's latest flag counts" \
    bash -c "LORE_HOME=$(home b) $LORE show $note --json | jq -e '.entry.flags == {\"verified\": 1, \"obsolete\": 1}'"
on b show "$note" | grep -q "obsolete (1)" || fail "show does not show the flags"
ok "flags: the latest per person counts; show and list say 'verified by N', 'obsolete (N)'"

set +e
out=$(on b pin "$note" 2>&1); rc=$?
set -e
[ $rc -eq 1 ] && [[ $out == *"only team admins"* ]] || fail "b (not an admin) could pin: $out"
on a pin "$note" >/dev/null
pinned_on() { on "$1" list --pinned --json | jq -e --arg n "$note" '[.entries[].id] == [$n]'; }
until_ok 10 "b lists the pin" pinned_on b
[ "$(on b list --json | jq -r '.entries[0].id')" = "$note" ] || fail "the pinned note is not first"
on b list | head -n1 | grep -q "\[pinned\]" || fail "list does not mark the pinned entry"
on a pin "$note" --off >/dev/null
until_ok 10 "b sees it unpinned" bash -c "LORE_HOME=$(home b) $LORE list --pinned --json | jq -e '.entries == []'"
ok "pins: admins only; list --pinned, pinned first with a marker; --off unpins"

# --- search filters and ranking ---
qa=$(on a ask "Which coffee beans for the lab?" --tag coffee | tail -n1)
until_ok 10 "b has the coffee question" on b show "$qa"
a1=$(on b answer "$qa" --body "Arabica beans from the corner roaster." | tail -n1)
sleep 0.01
a2=$(on b answer "$qa" --body "Arabica beans from the corner roaster." | tail -n1)
until_ok 10 "a has both answers" on a show "$a2"
# Equal text: the newer (a2) ranks first, until a accepts the older one.
[ "$(on a search arabica --json | jq -r '.results[0].entry.id')" = "$a2" ] || fail "tie order"
on a accept "$a1" >/dev/null
on a search arabica --json | jq -e --arg a "$a1" '.results[0].entry.id == $a and .results[0].boost > .results[1].boost' \
    >/dev/null || fail "the accepted answer does not outrank an equal one"
qv=$(on b ask "Where is the spare keyboard stock?" | tail -n1)
until_ok 10 "a has the keyboard question" on a show "$qv"
v1=$(on a answer "$qv" --body "Cupboard beside the kitchen." | tail -n1)
sleep 0.01
v2=$(on a answer "$qv" --body "Cupboard beside the kitchen." | tail -n1)
until_ok 10 "b has both keyboard answers" on b show "$v2"
on b vote "$v1" up >/dev/null
on b search cupboard --json | jq -e --arg a "$v1" '.results[0].entry.id == $a' >/dev/null ||
    fail "the upvoted answer does not outrank an equal one"
n1=$(on a note "Wifi password rotation" --body "Rotated monthly by IT." | tail -n1)
sleep 0.01
n2=$(on a note "Wifi password rotation" --body "Rotated monthly by IT." | tail -n1)
[ "$(on a search rotated monthly --json | jq -r '.results[0].entry.id')" = "$n2" ] || fail "tie order"
on a flag "$n2" obsolete >/dev/null
on a search rotated monthly --json | jq -e --arg n "$n1" '.results[0].entry.id == $n and .results[1].boost == 0.5' \
    >/dev/null || fail "the obsolete note does not rank below an equal one"
ok "ranking: an accepted or upvoted answer outranks an equal one, an obsolete note ranks below"

[ "$(on a search beans --author Bob --json | jq '.results | length')" = 2 ] || fail "--author Bob"
[ "$(on a search beans --author Alice --json | jq -r ".results[].entry.id")" = "$qa" ] || fail "--author Alice"
on a list --kind question --status resolved --json | jq -e --arg q "$qa" '[.entries[].id] == [$q]' \
    >/dev/null || fail "--status resolved"
on a list --kind question --status answered --json | jq -e --arg q "$qv" --arg p "$q" \
    '[.entries[].id] == [$q, $p]' >/dev/null || fail "--status answered"
[ "$(on a list --since 2020-01-01 --json | jq '.entries | length')" -gt 5 ] || fail "--since date"
[ "$(on a list --since 2999-01-01 --json | jq '.entries | length')" = 0 ] || fail "--since future"
[ "$(on a search coffee --since 1h --json | jq '.results | length')" = 1 ] || fail "--since 1h"
set +e
out=$(on a list --status maybe 2>&1); rc=$?
set -e
[ $rc -eq 2 ] && [[ $out == *"open, answered or resolved"* ]] || fail "bad --status: $out"
ok "search and list filters: --author, --status, --since"

# --- retractions ---
gone=$(on a note "Door code" --body "The door code is 4711." | tail -n1)
until_ok 10 "b has the door note" on b show "$gone"
stop b # b keeps the note while a retracts it
set +e
out=$(on a retract "$ans" 2>&1); rc=$?
set -e
[ $rc -eq 1 ] && [[ $out == *"only the author"* ]] || fail "a could retract b's answer: $out"
out=$(on a retract "$gone")
[[ $out == *"copies may persist"* ]] || fail "retract does not warn: $out"
set +e
out=$(on a show "$gone" 2>&1); rc=$?
set -e
[ $rc -eq 1 ] && [[ $out == *"retracted by its author on"* ]] || fail "show of a retracted id: $out"
[ "$(on a search door code --json | jq '.results | length')" = 0 ] || fail "a still finds it"
ok "retract: only the author's; the node drops it at once; show says so"

# c meets a first (it gets the retraction, not the note), then b, who still has the note:
# the note reaches c after its retraction and is dropped at once; b learns the retraction.
start c $nx --peer "$(addr a)"
until_ok 15 "c has a's entries" on c show "$n2"
! on c show "$gone" >/dev/null 2>&1 || fail "c got the retracted note from a"
stop a
start b $nx
on c peers add "$(addr b)" >/dev/null
until_ok 15 "b learns the retraction" bash -c "! LORE_HOME=$(home b) $LORE show $gone >/dev/null 2>&1"
until_ok 15 "b and c agree" same_count b c
for n in b c; do
    ! on $n show "$gone" >/dev/null 2>&1 || fail "$n still shows the retracted note"
    [ "$(on $n search door code --json | jq '.results | length')" = 0 ] || fail "$n finds it"
    on $n list --json --limit 500 | jq -e --arg g "$gone" 'all(.entries[]; .id != $g)' >/dev/null ||
        fail "$n lists it"
done
ok "the retraction removes the entry on every node, also on c where it arrived first"

stop b
stop c
start a $nx
start b $nx --peer "$(addr a)"
start c $nx --peer "$(addr a)" --peer "$(addr b)"
until_ok 20 "a b c agree after restarts" same_ids a b c
for n in a b c; do
    ! on $n show "$gone" >/dev/null 2>&1 || fail "$n shows the retracted note after restart"
done
sleep 2.5 # another reconciliation round
for n in a b c; do
    ! on $n show "$gone" >/dev/null 2>&1 || fail "$n got the note back"
    [ "$(on $n status --json | jq .sync.to_fetch)" = 0 ] || fail "$n keeps fetching"
done
ok "a retracted entry never comes back after restarts and reconciliation"

# --- every command has --help; errors are one line ---
for c in edit retract flag pin; do
    on a $c --help | grep -q "^usage: lore $c" || fail "$c --help"
done
set +e
out=$(on a flag "$q" maybe 2>&1); rc=$?
set -e
[ $rc -eq 2 ] && [ "$(echo "$out" | wc -l)" -le 2 ] || fail "flag with a bad value: $out"
ok "--help for every new command; usage errors are short"

echo "$checks passed, 0 failed"
