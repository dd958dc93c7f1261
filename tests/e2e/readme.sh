#!/usr/bin/env bash
# README.md's "Two nodes on one machine" block, pasted as is: run line by line in one shell, with
# only its directories and ports made private to this run (and lore/lored the ones built). Every
# command must succeed the first time (no sleeps added: `lore` waits for a node that is starting),
# and the last one must list the question the block asked.
# usage: readme.sh README.md LORED LORE
set -euo pipefail
README=$1
LORED=$2
LORE=$3
dir=$(mktemp -d /tmp/lore-readme-XXXXXX)
cleanup() {
    local p
    for p in $(cat "$dir/pids" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done
    rm -rf "$dir"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

block=$(awk '/^Two nodes on one machine/ { f = 1 } f && /^```sh/ { g = 1; next } g && /^```/ { exit } g' "$README")
[ -n "$block" ] || fail "no 'Two nodes on one machine' block in $README"
grep -q 'team create' <<<"$block" || fail "the block does not create a team: $block"
pa=$((20000 + RANDOM % 20000))
pb=$((pa + 1))
block=${block//\/tmp\/a/$dir/a}
block=${block//\/tmp\/b/$dir/b}
block=${block//6001/$pa}
block=${block//6002/$pb}
mkdir -p "$dir/bin"
ln -s "$LORED" "$dir/bin/lored"
ln -s "$LORE" "$dir/bin/lore"
# As a person pastes it: one interactive-like shell, each line on its own, no set -e; a line
# that fails is recorded.
{
    echo 'PATH='"$dir/bin"':$PATH'
    while IFS= read -r line; do
        line=$(sed -E 's/[[:space:]]+#[^"]*$//' <<<"$line") # a trailing comment
        case $line in
        *'&') printf '%s\n' "$line" ;; # started in the background: its failure shows later
        *) printf '%s\n' "$line || echo \"FAILED: \$?: \"$(printf '%q' "$line") >>$dir/failed" ;;
        esac
    done <<<"$block"
    echo "jobs -p >$dir/pids"
} >"$dir/pasted.sh"
timeout 60 bash "$dir/pasted.sh" >"$dir/out" 2>"$dir/err" ||
    fail "the block failed or did not finish in 60 s: $(grep -v ' lored ' "$dir/err" | tail -5)"
[ ! -s "$dir/failed" ] || fail "$(cat "$dir/failed"); stderr: $(grep -v ' lored ' "$dir/err" | tail -5)"
tail -n 1 "$dir/out" | grep -q "Who has the projector remote?" ||
    fail "the last line did not list the question: $(tail -n 3 "$dir/out")"
echo "ok 1 - README's two-nodes block passes when pasted as is"
