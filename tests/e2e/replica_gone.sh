#!/usr/bin/env bash
# The replica file deleted under a running node (replica.db with its -wal and -shm, as `rm` of the
# data directory's files does): the node must not acknowledge a write into the deleted file. It
# refuses local writes with a clear error and says so in status; after a restart it has every
# acknowledged entry again (its peer gives back what the deleted file held).
# usage: replica_gone.sh LORED LORE
LORED=$1
LORE=$2
. "$(dirname "$0")/lib.sh"

nx="--set peer_exchange=off"
start a $nx
start b $nx --peer "$(addr a)"
on a init --name "node a" >/dev/null
on b init --name "node b" >/dev/null
acked=()
for i in 1 2 3; do acked+=("$(on a note "a's note $i" --body "kept" | tail -n1)"); done
has_all() {
    local n=$1 id
    shift
    for id in "$@"; do on "$n" show "$id" >/dev/null || return 1; done
}
until_ok 10 "b has a's notes" has_all b "${acked[@]}"
ok "a wrote 3 notes; b has them"

db="$(home a)/data/replica.db"
[ -e "$db-wal" ] || fail "a's replica is not in WAL mode (no $db-wal)"
rm -f "$db" "$db-wal" "$db-shm"

# Every write from now on must fail, saying why; none may be acknowledged.
refused=0
for i in 1 2 3 4 5; do
    set +e
    out=$(on a note "after the file went $i" --body "must not be acknowledged" 2>&1)
    rc=$?
    set -e
    if [ $rc -eq 0 ]; then
        acked+=("$(tail -n1 <<<"$out")")
        continue
    fi
    refused=$((refused + 1))
    grep -q "was deleted or replaced" <<<"$out" || fail "the error does not say the file went: $out"
    grep -q "restart the node" <<<"$out" || fail "the error does not say to restart: $out"
done
echo "   (5 writes after rm: $refused refused; last error: ${out:-none})"
[ "$refused" -eq 5 ] || fail "$((5 - refused)) writes were acknowledged into a deleted replica file"
ok "writes into the deleted replica file are refused with a clear error"

gone() { on a status --json | jq -e '.storage.failing == true and (.storage.reason | test("deleted"))'; }
until_ok 10 "a's status says the replica file is gone" gone
on a status | grep -q "storage failing: replica file deleted or replaced" ||
    fail "plain status does not show it: $(on a status)"
grep -q "was deleted or replaced" "$(home a)/lored.log" || fail "a's log does not say the file went"
ok "status and log say the replica file was deleted"

# A write from a peer is not stored into the deleted file either.
late=$(post b "b asks while a's file is gone" 2>/dev/null)
acked+=("$late")

# After a restart, nothing acknowledged is missing.
stop a
start a $nx --peer "$(addr b)"
until_ok 20 "a has every acknowledged entry after its restart" has_all a "${acked[@]}"
echo "   (${#acked[@]} acknowledged entries, all on a after its restart)"
[ "$(on a status --json | jq .storage.failing)" = false ] || fail "a's storage still failing"
[ "$(on a check --json | jq .bad)" = 0 ] || fail "lore check finds bad entries on a"
n=$(on a note "a note after the restart" --body "stored" | tail -n1)
until_ok 10 "b has a's new note" on b show "$n"
ok "after a restart every acknowledged entry is back and writes work"
echo "all $checks checks passed"
