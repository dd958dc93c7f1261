#!/usr/bin/env bash
# Tag synonyms across real nodes (issue 16 item 6b): Bob (a member) proposes k8s -> kubernetes,
# which applies nowhere; Ada (the team admin) confirms it on her node, and on every node
# `list --tag k8s`, `follow k8s` and `who-knows k8s` then behave as for kubernetes; still after a
# restart; a member cannot drop it, the admin can, and k8s is its own tag again everywhere.
# usage: synonyms.sh LORED LORE
LORED=$1
LORE=$2
. "$(dirname "$0")/lib.sh"

start a # the team admin
start b --peer "$(addr a)"
start c --peer "$(addr a)"
on a init --name Ada >/dev/null
on b init --name Bob >/dev/null
on c init --name Cy >/dev/null
until_ok 15 "everyone knows everyone" bash -c \
    "'$LORE' --home '$(home a)' profile Cy >/dev/null && '$LORE' --home '$(home c)' profile Bob >/dev/null && '$LORE' --home '$(home b)' profile Ada >/dev/null"

q1=$(on c ask "Pods restart every hour" --tag kubernetes --body "OOMKilled?" | tail -n1)
q2=$(on a ask "Ingress drops websockets" --tag k8s --body "After 60 s." | tail -n1)
until_ok 10 "b has both" bash -c "'$LORE' --home '$(home b)' show '$q1' && '$LORE' --home '$(home b)' show '$q2'"
on b answer "$q1" --body "Raise the memory limit and look at the heap." >/dev/null
on b answer "$q2" --body "Set the proxy read timeout annotation." >/dev/null
tagged() { on "$1" list --tag "$2" --json | jq -c '[.entries[].id] | sort'; }
for n in a b c; do
    until_ok 10 "$n has the answers" bash -c \
        "'$LORE' --home '$(home $n)' who-knows kubernetes --json | jq -e '.people[0].name == \"Bob\"'"
    [ "$(tagged $n k8s)" = "[\"$q2\"]" ] || fail "$n: k8s before any synonym: $(tagged $n k8s)"
done

# --- Bob proposes: nothing changes, the proposal is listed everywhere
out=$(on b synonym add k8s kubernetes --why "Everyone says k8s") || fail "synonym add by Bob"
[[ $out == *"proposed; a team admin must confirm"* ]] || fail "a member's add: $out"
until_ok 10 "a lists Bob's proposal" bash -c \
    "'$LORE' --home '$(home a)' synonym list --json | jq -e '.pending[0].alias == \"k8s\" and .pending[0].proposers[0].name == \"Bob\" and (.synonyms | length) == 0'"
[ "$(tagged c k8s)" = "[\"$q2\"]" ] || fail "a proposal applied on c"
ok "a member's proposal is listed and applies nowhere"

# --- Ada confirms: on every node k8s reads as kubernetes
out=$(on a synonym add k8s kubernetes) || fail "synonym add by Ada"
[[ $out == *"confirmed"* ]] || fail "the admin's add: $out"
want=$(printf '%s\n' "$q1" "$q2" | sort | jq -R . | jq -sc .)
for n in a b c; do
    until_ok 10 "$n applies k8s -> kubernetes" bash -c "[ \"\$('$LORE' --home '$(home $n)' list --tag k8s --json | jq -c '[.entries[].id] | sort')\" = '$want' ]"
    [ "$(tagged $n kubernetes)" = "$want" ] || fail "$n: list --tag kubernetes: $(tagged $n kubernetes)"
    wk=$(on $n who-knows k8s --json | jq -c '[.people[] | [.name, .answers, .why]]')
    wc=$(on $n who-knows kubernetes --json | jq -c '[.people[] | [.name, .answers, .why]]')
    [ "$wk" = "$wc" ] || fail "$n: who-knows k8s $wk, kubernetes $wc"
    [[ $wk == *'"Bob",2'* ]] || fail "$n: who-knows k8s does not count Bob's two answers: $wk"
    on $n synonym list --json | jq -e '(.pending | length) == 0 and .synonyms[0].applies' >/dev/null ||
        fail "$n: synonym list: $(on $n synonym list --json)"
done
ok "confirmed on a: list --tag k8s and who-knows k8s are kubernetes' on every node"

# --- follow k8s: a new kubernetes question is in Cy's inbox, on Cy's node
on c follow k8s >/dev/null || fail "follow k8s"
q3=$(on b ask "Helm or kustomize?" --tag kubernetes --body "For 12 services." | tail -n1)
until_ok 10 "Cy's inbox has the kubernetes question (following k8s)" bash -c \
    "'$LORE' --home '$(home c)' inbox --json | jq -e --arg q '$q3' '.entries[] | select(.id == \$q)'"
ok "follow k8s brings kubernetes questions"

# --- a restarted node still applies it
stop b
start b --peer "$(addr a)"
want3=$(printf '%s\n' "$q1" "$q2" "$q3" | sort | jq -R . | jq -sc .)
[ "$(tagged b k8s)" = "$want3" ] || fail "b after restart: $(tagged b k8s)"
ok "after a restart b still reads k8s as kubernetes"

# --- only an admin drops it
out=$(on c synonym drop k8s) || fail "synonym drop by Cy"
[[ $out == *"only a team admin drops"* ]] || fail "a member's drop: $out"
[ "$(tagged c k8s)" = "$want3" ] || fail "a member's drop applied"
on a synonym drop k8s >/dev/null || fail "synonym drop by Ada"
for n in a b c; do
    until_ok 10 "$n: k8s is its own tag again" bash -c "[ \"\$('$LORE' --home '$(home $n)' list --tag k8s --json | jq -c '[.entries[].id]')\" = '[\"$q2\"]' ]"
done
ok "the admin's drop ends it on every node; a member's does not"
