#!/usr/bin/env bash
# The bash completion (cli/lore.bash) completes commands, subcommands and options from the lore
# binary under test. usage: completion.sh LORE
set -euo pipefail
LORE=$1
checks=0
ok() { checks=$((checks + 1)); echo "ok $checks - $*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
# shellcheck source=/dev/null
. "$(dirname "$0")/../../cli/lore.bash"
complete_line() { # complete_line WORD...: COMPREPLY for the last word
    COMP_WORDS=("$LORE" "$@")
    COMP_CWORD=$#
    _lore
    printf '%s\n' "${COMPREPLY[@]}"
}
got=$(complete_line te)
grep -qx team <<<"$got" || fail "'lore te<TAB>' does not offer team: $got"
got=$(complete_line "")
for c in ask answer search watch team who-knows; do
    grep -qx "$c" <<<"$got" || fail "'lore <TAB>' does not offer $c"
done
ok "commands complete from \`lore help\` ($(wc -l <<<"$got") commands)"
got=$(complete_line ask --u)
grep -qx -- --urgent <<<"$got" || fail "'lore ask --u<TAB>' does not offer --urgent: $got"
got=$(complete_line --home /tmp search --)
grep -qx -- --limit <<<"$got" || fail "'lore --home /tmp search --<TAB>' misses --limit: $got"
ok "options complete from \`lore COMMAND --help\`, after global options too"
got=$(complete_line team r)
[ "$got" = "$(printf 'rotate\nrevoke')" ] || fail "'lore team r<TAB>': $got"
got=$(complete_line learn d)
[ "$got" = "$(printf 'done\ndrop')" ] || fail "'lore learn d<TAB>': $got"
got=$(complete_line synonym "")
[ "$got" = "$(printf 'add\ndrop\nlist')" ] || fail "'lore synonym <TAB>': $got"
got=$(complete_line stats --n)
grep -qx -- --needs <<<"$got" || fail "'lore stats --n<TAB>' does not offer --needs: $got"
got=$(complete_line session --ci)
grep -qx -- --circle <<<"$got" || fail "'lore session --ci<TAB>' does not offer --circle: $got"
ok "subcommands complete"
# Every command has --help, and every command but help takes --json.
n=0
for c in $(_lore_commands "$LORE"); do
    out=$("$LORE" "$c" --help) || fail "lore $c --help failed"
    [ "$c" = help ] || grep -q -- --json <<<"$out" || fail "lore $c --help lists no --json"
    n=$((n + 1))
done
[ "$n" -ge 30 ] || fail "only $n commands"
ok "all $n commands have --help, and --json"
echo "$checks passed, 0 failed"
