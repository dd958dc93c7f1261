#!/usr/bin/env bash
# Live bulk sharing: a few hundred notes imported on one node reach its online peer at the pace of
# the pipeline, not after the reconciliation interval (set to 600 s here, so only the bulk path can
# bring them), while the per-author push limit still holds (the receiver says so in its log).
# usage: bulk.sh LORED LORE
LORED=$1
LORE=$2
. "$(dirname "$0")/lib.sh"

N=400
start a --set sync_interval=600
start b --set sync_interval=600 --peer "$(addr a)"
on a init --name Alice >/dev/null
on b init --name Bob >/dev/null
until_ok 30 "a and b linked and in sync" same_ids a b

v=$E2E_ROOT/vault
mkdir -p "$v"
for i in $(seq $N); do
    printf -- '---\ntags: [bulk]\n---\n# Runbook step %d\n\nWhat to do at step %d of the migration.\n' \
        "$i" "$i" >"$v/step-$i.md"
done
on a import "$v" 2>"$E2E_ROOT/import.err" || fail "import failed: $(tail -n3 "$E2E_ROOT/import.err")"
grep -q "imported $N notes" "$E2E_ROOT/import.err" || fail "import: $(tail -n1 "$E2E_ROOT/import.err")"
want=$(entries a)
all_on_b() { [ "$(entries b)" -eq "$want" ]; }
until_ok 60 "all $N imported notes on b (the interval is 600 s)" all_on_b
same_ids a b || fail "a and b hold different entries"
[ "$(on b list --tag bulk --json --limit 500 | jq '.entries | length')" -eq $N ] ||
    fail "b does not list the $N notes"
ok "an import on a reaches online b without waiting for the reconciliation interval"

# The import pushed 400 entries at once: past the bucket of 200, b drops pushes and pulls. (On a
# machine so loaded that the link misses heartbeats, it comes up again and the reconciliation at
# link-up brings them instead: then b saw no push to limit.)
if [ "$(on b status --json | jq .sync.author_limited)" -gt 0 ]; then
    grep -q "writes faster than 20 entries/s" "$E2E_ROOT/b/lored.log" ||
        fail "b limited pushes without saying so"
    [ "$(on b status --json | jq .sync.pulls)" -ge 1 ] || fail "b started no pull reconciliation"
elif ! grep -q "is down: no answer to heartbeats" "$E2E_ROOT/b/lored.log"; then
    fail "b took every push: the per-author limit did not apply"
fi
[ "$(on b check --json | jq .bad)" = 0 ] || fail "lore check finds bad entries on b"
ok "the per-author push limit still holds on b; the rest came by pull"

echo "$checks passed, 0 failed"
