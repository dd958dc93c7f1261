#!/usr/bin/env bash
# Presence across the mesh: three nodes in a line A - B - C (C linked to B only, no mDNS, no peer
# exchange); A learns from flooded beacons that C is up, marks exactly the members whose nodes are
# up in who-knows, ranks them first with --online, counts them for an urgent question, and
# unmarks C within 10 s of C stopping (at once: its last beacon says so) and B within 10 s of B
# crashing (its beacons expire).
# usage: presence.sh LORED LORE
LORED=$1
LORE=$2
. "$(dirname "$0")/lib.sh"

line="--set mdns=off --set peer_exchange=off"
# shellcheck disable=SC2086
start a $line
# shellcheck disable=SC2086
start b $line --peer "$(addr a)"
# shellcheck disable=SC2086
start c $line --peer "$(addr b)"
on a init --name Ada >/dev/null
on b init --name Bob >/dev/null
on c init --name Cy >/dev/null
ckey=$(on c status --json | jq -r .public_key)
[ -n "$ckey" ] && [ "$ckey" != null ] || fail "c's key"
on b skills add kubernetes --level 1 >/dev/null
on a skills add kubernetes --level 3 >/dev/null
on c skills add kubernetes --level 5 >/dev/null

wk() { on a who-knows kubernetes --json "$@"; }
three_known() { wk | jq -e '[.people[].name] | sort == ["Ada","Bob","Cy"]'; }
until_ok 30 "a knows all three skills" three_known
until_ok 30 "b is linked to a and c" bash -c \
    "'$LORE' --home '$(home b)' status --json | jq -e '.sync.peers_up == 2'"
on a peers --json | jq -e --arg c "$ckey" '[.peers[] | select(.key == $c)] | length == 0' \
    >/dev/null || fail "a has a link to c: the line is not a line"
ok "a line of three: A - B - C, A not linked to C"

all_online() { wk | jq -e '[.people[] | select(.online)] | length == 3'; }
until_ok 15 "a marks all three online" all_online
[ "$(on a status --json | jq .sync.online)" = 3 ] || fail "status: sync.online is not 3"
on a status | grep -q "^online:    3 members across the team, you included$" ||
    fail "status text lacks the online line: $(on a status)"
[ "$(wk | jq -r '[.people[].name] | join(",")')" = "Cy,Ada,Bob" ] ||
    fail "who-knows order: $(wk | jq -c '[.people[].name]')"
on a who-knows kubernetes | grep -q "Cy  (score [0-9.]*)  ● online" ||
    fail "who-knows text lacks the online marker: $(on a who-knows kubernetes)"
ok "presence: A marks Cy online across B; status counts 3 online"

out=$(on a ask "Pods stuck in Pending" --tag kubernetes --urgent)
grep -q "^2 people who know #kubernetes are online now.$" <<<"$out" ||
    fail "ask --urgent: $out"
[ "$(on a ask "Node NotReady" --tag kubernetes --urgent --json | jq .online_experts)" = 2 ] ||
    fail "ask --urgent --json lacks online_experts = 2"
out=$(on a ask "A quiet one" --tag kubernetes)
! grep -q "online" <<<"$out" || fail "a question that is not urgent talks of who is online"
ok "ask --urgent: 2 people who know #kubernetes are online (me not counted)"

stop c
t0=$(date +%s%N)
cy_offline() { wk | jq -e '[.people[] | select(.name == "Cy")][0].online == false'; }
until_ok 10 "a unmarks Cy after c stopped" cy_offline
echo "   (measured: Cy offline on A $((($(date +%s%N) - t0) / 1000000)) ms after c stopped)"
wk | jq -e '[.people[] | select(.online) | .name] | sort == ["Ada","Bob"]' >/dev/null ||
    fail "after c stopped, not exactly Ada and Bob online: $(wk | jq -c '.people')"
[ "$(wk --online | jq -r '[.people[].name] | join(",")')" = "Ada,Bob,Cy" ] ||
    fail "who-knows --online order: $(wk --online | jq -c '[.people[].name]')"
[ "$(wk | jq -r '[.people[].name] | join(",")')" = "Cy,Ada,Bob" ] ||
    fail "without --online the order changed: $(wk | jq -c '[.people[].name]')"
out=$(on b ask "Ingress 502" --tag kubernetes --urgent)
grep -q "^1 person who knows #kubernetes is online now.$" <<<"$out" || fail "ask on b: $out"
ok "presence: C stopped, unmarked on A within 10 s; --online ranks the online first"

# A crash sends no last beacon: B's key expires on A (PRESENCE_TTL_MS, 9 s after its last one).
crash b
t0=$(date +%s%N)
until_ok 10 "a alone online after b crashed" bash -c \
    "'$LORE' --home '$(home a)' status --json | jq -e '.sync.online == 1'"
echo "   (measured: B offline on A $((($(date +%s%N) - t0) / 1000000)) ms after b crashed)"
out=$(on a ask "Helm rollback" --tag kubernetes --tag helm --urgent)
grep -q "^Nobody who knows #helm or #kubernetes is online now: it will wait in their inbox.$" \
    <<<"$out" || fail "ask with nobody online: $out"
ok "a crashed node is unmarked within 10 s; nobody online: an urgent question will wait"

echo "presence: $checks checks passed"
