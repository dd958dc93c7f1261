#!/usr/bin/env bash
# A full disk under one node, with real nodes on loopback: node a keeps its data on a small tmpfs
# (in a private mount namespace, so nothing leaks), which is filled while its peer b posts. a must
# say so (status, peers), not flood its log, refuse a local write with "disk full", and, once the
# space is freed, store every entry by itself, without a restart.
# usage: diskfull.sh LORED LORE
LORED=$1
LORE=$2
if [ "$(id -u)" != 0 ] || ! command -v unshare >/dev/null; then
    echo "SKIP: needs root (unshare --mount, mount -t tmpfs)"
    exit 77
fi
if [ -z "${LORE_DISKFULL_NS:-}" ]; then
    # Again, in a mount namespace of our own: the tmpfs disappears with it.
    LORE_DISKFULL_NS=1 exec unshare --mount --propagation private bash "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"

mnt="$(home a)/data"
mkdir -p "$mnt"
mount -t tmpfs -o size=12m,mode=0700 lore-e2e-full "$mnt" ||
    { echo "SKIP: cannot mount a tmpfs here"; exit 77; }
trap 'umount -l "$mnt" 2>/dev/null || true; e2e_cleanup' EXIT

nx="--set peer_exchange=off"
start a $nx
start b $nx --peer "$(addr a)"
on a init --name "node a" >/dev/null
on b init --name "node b" >/dev/null
first=$(post b "before the disk fills")
until_ok 10 "a has b's first question" on a show "$first"
ok "a (data on a 12 MiB tmpfs) and b in sync"

# Fill the disk to the last block.
fill_disk "$mnt"
echo "   (tmpfs: $(df -h --output=avail "$mnt" | tail -n1 | tr -d ' ') left)"

acked=()
for i in $(seq 30); do acked+=("$(post b "while a's disk is full $i" 2>/dev/null)"); done
failing() { on a status --json | jq -e '.storage.failing == true'; }
until_ok 30 "a reports its storage failing" failing
st=$(on a status)
grep -q "storage failing: disk full" <<<"$st" || fail "a's status does not say 'storage failing: disk full': $st"
echo "   ($(grep storage <<<"$st"))"
[ "$(on a status --json | jq -r .storage.reason)" = "disk full" ] || fail "status --json reason"
ok "a's status says its storage is failing: disk full"

insync() { on a peers --json | jq -e '[.peers[] | select(.sync == "in sync")] | length > 0' >/dev/null; }
! insync || fail "a's peers say 'in sync' while its storage fails: $(on a peers)"
on a peers | grep -q "storage failing" || fail "a's peers do not show the storage failure: $(on a peers)"
ok "lore peers does not say 'in sync' while storage fails"

set +e
out=$(on a note "a note on a full disk" --body "no room" 2>&1)
rc=$?
set -e
[ $rc -ne 0 ] || fail "a local note was acknowledged on a full disk"
grep -q "disk full" <<<"$out" || fail "the local write's error does not say 'disk full': $out"
echo "   (lore note: $out)"
ok "a local write fails and says why: disk full"

# The log must not flood: count the lines written over a few seconds while more arrives.
more=$(post b "one more while full" 2>/dev/null)
acked+=("$more")
lines0=$(wc -l <"$(home a)/lored.log")
sleep 5
lines1=$(wc -l <"$(home a)/lored.log")
grown=$((lines1 - lines0))
echo "   (a's log grew by $grown lines in 5 s while failing; $(grep -c "storage" "$(home a)/lored.log") mention storage)"
[ "$grown" -le 5 ] || fail "a's log grew by $grown lines in 5 s: $(tail -n 5 "$(home a)/lored.log")"
ok "a's log does not flood while storage fails"

# Free the space: a must recover by itself.
free_disk "$mnt"
t0=$(date +%s%N)
has_all() {
    local id
    for id in "$first" "${acked[@]}"; do on a show "$id" >/dev/null || return 1; done
}
until_ok 30 "a stores every entry after the space returns" has_all
echo "   (every one of $((${#acked[@]} + 1)) entries on a $((($(date +%s%N) - t0) / 1000000)) ms after the space returned)"
until_ok 10 "a's status is clear" bash -c "LORE_HOME=$(home a) $LORE status --json | jq -e '.storage.failing == false'"
on a status | grep -q "storage failing" && fail "a's plain status still shows a storage failure"
until_ok 20 "a and b hold the same entries" same_ids a b
[ "$(on a check --json | jq '.bad')" = 0 ] || fail "lore check finds bad entries on a"
[ "$(on a check --json | jq '.integrity_ok')" = true ] || fail "integrity check fails on a"
grep -q "storage works again" "$(home a)/lored.log" || fail "a's log does not say storage recovered"
n=$(on a note "a note after the disk was freed" --body "room again" | tail -n1)
until_ok 10 "b has a's note" on b show "$n"
[ -n "${E2E_PID[a]:-}" ] && kill -0 "${E2E_PID[a]}" || fail "a is not the process started at first"
ok "after the space returns, a stores everything without a restart; status clear; check clean"
echo "all $checks checks passed"
