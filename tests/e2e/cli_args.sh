#!/usr/bin/env bash
# What a person types, read the same way everywhere (issue 12, item 6): tags in every filter,
# person arguments (bad bytes are a usage error, not "out of memory"; a unique name prefix names
# someone), --json on every command and one message for a flag given a value, the body limit as
# the node has it, thanks that count once, and `peers remove` for a mistyped address.
# usage: cli_args.sh LORED LORE
LORED=$1
LORE=$2
. "$(dirname "$0")/lib.sh"

# expect RC PATTERN COMMAND...: the command exits RC and its stderr matches PATTERN.
expect() {
    local want=$1 pattern=$2 rc=0
    shift 2
    "$@" >"$E2E_ROOT/out" 2>"$E2E_ROOT/err" || rc=$?
    [ "$rc" = "$want" ] || fail "$* exited $rc, not $want: $(cat "$E2E_ROOT/err")"
    grep -qE "$pattern" "$E2E_ROOT/err" || fail "$*: stderr '$(cat "$E2E_ROOT/err")' lacks '$pattern'"
}

start a
start b
on a init --name "Ada Lovelace" >/dev/null
on b init --name "Bob Noyce" >/dev/null
aaddr=$(addr a)
on b peers add "$aaddr" >/dev/null
until_ok 30 "a knows Bob" sh -c "LORE_HOME='$(home a)' '$LORE' profile 'Bob Noyce' --json >/dev/null"

# --- tags: ask --tag Kubernetes stores kubernetes; every filter finds it however it is typed
on a ask "pods crash on start" --tag Kubernetes >/dev/null
for t in Kubernetes '#kubernetes' KUBERNETES; do
    [ "$(on a list --tag "$t" --json | jq '.entries | length')" = 1 ] || fail "list --tag $t"
    [ "$(on a search pods --tag "$t" --json | jq '.results | length')" = 1 ] || fail "search --tag $t"
    [ "$(on a stats --tag "$t" --json | jq -r .tag)" = kubernetes ] || fail "stats --tag $t"
done
expect 1 "not a valid tag: a tag cannot hold spaces .tags are letters and digits of any script" on a stats --tag 'not a tag!'
expect 1 "not a valid tag: a tag cannot hold spaces" on a list --tag 'kube rnetes'
ok "list, search and stats --tag take Kubernetes, #kubernetes and KUBERNETES; a bad tag is refused"

# --- person arguments: bytes that are not text are a usage error; control characters invalid
expect 2 "not UTF-8" on a ask "x" --to $'\xff'
grep -q "out of memory" "$E2E_ROOT/err" && fail "--to \\xff still says out of memory"
expect 2 "not UTF-8" on a profile $'\xff'
expect 1 "a person is a name" on a ask "x" --to $'Bob\x07'
# a unique name prefix names the person, as a key prefix does
[ "$(on a profile Bob --json | jq -r .profile.name)" = "Bob Noyce" ] || fail "profile Bob"
[ "$(on a profile noy --json | jq -r .profile.name)" = "Bob Noyce" ] || fail "profile noy"
on a ask "who runs the VPN?" --to bob >/dev/null || fail "ask --to bob"
ok "--to \\xff: usage error 2 (not 'out of memory'); --to with a BEL: invalid; profile Bob finds Bob Noyce"

# --- --json everywhere, and one message for a flag given a value
on a help --json | jq -e '.commands | length > 30' >/dev/null || fail "help --json"
[ "$(on a help ask --json | jq -r .name)" = ask ] || fail "help ask --json"
want=""
for cmd in $(on a help --json | jq -r '.commands[].name'); do
    rc=0
    on a "$cmd" --json=1 >/dev/null 2>"$E2E_ROOT/err" || rc=$?
    [ "$rc" = 2 ] || fail "$cmd --json=1 exited $rc"
    msg=$(sed "s/lore $cmd/lore CMD/g; s/^lore: $cmd:/lore: CMD:/" "$E2E_ROOT/err")
    [ -z "$want" ] && want=$msg
    [ "$msg" = "$want" ] || fail "$cmd --json=1 says '$msg', not '$want'"
done
expect 2 "^lore: option '--help' takes no argument \(see \`lore --help\`\)$" on a --help=1
ok "help --json; every command says '$want' for --json=1"

# --- the body limit is the node's: 256 KiB, in help, man page and messages
on a help ask | grep -q "at most 256 KiB" || fail "ask --help does not say 256 KiB"
man_page="$(dirname "$0")/../../docs/lore.1.scd"
grep -q "1 MiB" "$man_page" && fail "lore(1) still says 1 MiB"
head -c 300000 /dev/zero | tr '\0' a | expect 1 "larger than 256 KiB" on a note big -
ok "help and lore(1) say 256 KiB; a 300 kB body is refused by the CLI with that figure"

# --- thanks count once
id=$(on b note "printer tip" --body "power cycle it" | tail -n1)
until_ok 30 "a has the note" sh -c "LORE_HOME='$(home a)' '$LORE' show '$id' >/dev/null"
before=$(entries a)
on a thank "$id" | grep -q "^Thanked" || fail "first thank"
on a thank "$id" >"$E2E_ROOT/out" || fail "second thank failed"
grep -q "already thanked .*thanks count once" "$E2E_ROOT/out" || fail "second thank: $(cat "$E2E_ROOT/out")"
[ "$(on a thank "$id" --json | jq .already)" = true ] || fail "thank --json: already"
[ "$(entries a)" = $((before + 1)) ] || fail "a second thank posted an entry"
ok "a second thank posts nothing and says thanks count once"

# --- peers remove: a mistyped address is forgotten, its link closed, and stays gone on restart
on a peers add 127.0.0.1:1 >/dev/null
on a peers --json | jq -e '.peers[] | select(.address == "127.0.0.1:1")' >/dev/null ||
    fail "the mistyped peer is not listed"
on a peers remove 127.0.0.1:1 | grep -q "Removed peer 127.0.0.1:1" || fail "peers remove"
on a peers --json | jq -e '.peers[] | select(.address == "127.0.0.1:1")' >/dev/null &&
    fail "the removed peer is still listed"
expect 1 "not a peer added with" on a peers remove 127.0.0.1:2
# Removing the peer b added closes b's link to a (a may dial b back: that link is a's).
on b peers remove "$aaddr" --json | jq -e .link_closed >/dev/null || fail "b's link was not closed"
on b peers --json | jq -e --arg a "$aaddr" '.peers[] | select(.address == $a)' >/dev/null &&
    fail "b still lists its link to $aaddr"
stop a
start a
sleep 1
on a peers --json | jq -e '.peers[] | select(.address == "127.0.0.1:1")' >/dev/null &&
    fail "the removed peer is dialled again after a restart"
ok "peers remove forgets a mistyped address (gone after a restart) and closes a live link"

echo "cli_args: $checks checks passed"
