#!/usr/bin/env bash
# Chaos: three nodes in one team on loopback, writers posting all along, while one node is killed
# with -9 and restarted ten times, another's disk fills up and is freed, and a third runs with its
# clock a day ahead, then a year behind. Nobody restarts a node by hand to mend anything: at the
# end every acknowledged entry is on every node and `lore check` is clean everywhere.
# usage: chaos.sh LORED LORE
# As root it runs in a private mount namespace, so node b's data can live on a small tmpfs; as
# another user the disk-full part is skipped (and said so).
LORED=$1
LORE=$2
if [ "$(id -u)" -eq 0 ] && [ -z "${CHAOS_NS:-}" ] && command -v unshare >/dev/null; then
    exec env CHAOS_NS=1 unshare --mount --propagation private bash "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"

t_begin=$(date +%s%N)
restarts=0
faketime_lib=
for f in /usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1 \
    /usr/lib/*/faketime/libfaketimeMT.so.1; do
    [ -e "$f" ] && faketime_lib=$f && break
done
[ -n "$faketime_lib" ] || fail "libfaketime is not installed (Debian package faketime)"

# Node b's data directory on a 24 MiB tmpfs of its own.
disk=0
if [ -n "${CHAOS_NS:-}" ]; then
    mkdir -p "$(home b)"
    mount -t tmpfs -o size=24m,mode=0700 lore-chaos "$(home b)" && disk=1
fi
chaos_cleanup() {
    local n
    touch "$E2E_ROOT/stop-a" "$E2E_ROOT/stop-c" # the writers end even when a check failed
    for n in "${!E2E_PID[@]}"; do kill -9 "${E2E_PID[$n]}" 2>/dev/null || true; done
    for n in $(jobs -p); do kill "$n" 2>/dev/null || true; done
    wait 2>/dev/null || true
    if [ $disk = 1 ]; then
        [ "${E2E_KEEP:-0}" = 1 ] && cp -a "$(home b)" "$(home b).kept"
        umount "$(home b)" 2>/dev/null
    fi
    e2e_cleanup
}
trap chaos_cleanup EXIT

nx="--set peer_exchange=off"
start a $nx
start b $nx --peer "$(addr a)"
peers_c() { echo "--peer $(addr a) --peer $(addr b)"; }
# shellcheck disable=SC2046
start c $nx $(peers_c)
for n in a b c; do on $n init --name "node $n" >/dev/null; done
until_ok 20 "a b c in sync" same_ids a b c
ok "three nodes in one team"

# writer NODE: post notes until $E2E_ROOT/stop-NODE exists; every id a post printed (the node
# acknowledged it) goes to $E2E_ROOT/acked-NODE.
writer() {
    local n=$1 i=0 id
    while [ ! -e "$E2E_ROOT/stop-$n" ]; do
        i=$((i + 1))
        id=$(on "$n" note "chaos $n $i" --tag chaos --body "note $i from the writer on $n" \
            2>/dev/null | tail -n1) || id=
        [[ $id =~ ^[0-9a-f]{64}$ ]] && echo "$id" >>"$E2E_ROOT/acked-$n"
        sleep 0.05
    done
}
writer a &
wa=$!
writer c &
wc=$!
touch "$E2E_ROOT/acked-a" "$E2E_ROOT/acked-b" "$E2E_ROOT/acked-c"

# --- kill -9 and restart c, ten times, while both write ---
for i in $(seq 10); do
    sleep "0.$((RANDOM % 9 + 3))"
    crash c
    # shellcheck disable=SC2046
    start c $nx $(peers_c)
    restarts=$((restarts + 1))
done
sleep 1
ok "c killed with -9 and restarted $restarts times while a and c wrote ($(wc -l <"$E2E_ROOT/acked-c") \
notes acknowledged on c so far)"

# --- b's disk fills up, then is freed ---
if [ $disk = 1 ]; then
    fill_disk "$(home b)"
    storage_failing() { on b status --json | jq -e '.storage.failing == true'; }
    until_ok 30 "b says its storage is failing" storage_failing
    on b status | grep -qi "disk full" || fail "b's status does not say the disk is full"
    set +e
    out=$(on b note "on a full disk" --body "cannot be stored" 2>&1)
    rc=$?
    set -e
    # SQLite may still find room in pages its files already hold (a WAL restarted after a
    # checkpoint): then the note is stored and must reach everyone like any acknowledged one.
    # What must never happen is an acknowledgement of a note that is then lost.
    if [ $rc -ne 0 ]; then
        [[ $out == *"disk full"* ]] || fail "a write on b's full disk failed without the reason: $out"
        ok "b's disk is full: status says so, a local write is refused with the reason"
    else
        id=$(tail -n1 <<<"$out")
        [[ $id =~ ^[0-9a-f]{64}$ ]] || fail "a write on b's full disk printed no id: $out"
        on b show "$id" >/dev/null || fail "b acknowledged $id on a full disk but does not hold it"
        echo "$id" >>"$E2E_ROOT/acked-b"
        ok "b's disk is full: status says so, a local write that still fit was stored (checked at the end)"
    fi
    sleep 3
    lines=$(wc -l <"$(home b)/lored.log" 2>/dev/null || echo 0)
    sleep 5
    grown=$(($(wc -l <"$(home b)/lored.log" 2>/dev/null || echo 0) - lines))
    [ "$grown" -le 20 ] || fail "b's log grew by $grown lines in 5 s of a full disk"
    free_disk "$(home b)"
    t0=$(date +%s%N)
    storage_ok() { on b status --json | jq -e '.storage.failing != true'; }
    until_ok 30 "b resumes storing once space is back" storage_ok
    has_acked_a() {
        local id
        while read -r id; do on b show "$id" >/dev/null 2>&1 || return 1; done \
            <"$E2E_ROOT/acked-a.snap"
    }
    cp "$E2E_ROOT/acked-a" "$E2E_ROOT/acked-a.snap"
    until_ok 60 "b has everything a acknowledged while b's disk was full" has_acked_a
    ok "b recovered by itself $((($(date +%s%N) - t0) / 1000000)) ms after space was freed \
(log grew $grown lines in 5 s while full)"
else
    echo "# disk-full part skipped: needs root (a private mount namespace and a tmpfs)"
fi

# --- c's clock a day ahead, then a year behind ---
touch "$E2E_ROOT/stop-c"
wait $wc
rm -f "$E2E_ROOT/stop-c"
skewed() { # skewed OFFSET: restart c with its wall clock moved by OFFSET (faketime syntax)
    local w="$E2E_ROOT/lored-faketime" real=$LORED
    crash c
    # (an ASan build wants its runtime first; libfaketime before it is fine here)
    printf '#!/bin/sh\nASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
LD_PRELOAD="%s" FAKETIME="%s" FAKETIME_DONT_FAKE_MONOTONIC=1 exec "%s" "$@"\n' \
        "$faketime_lib" "$1" "$real" >"$w"
    chmod +x "$w"
    # shellcheck disable=SC2046
    LORED=$w start c $nx $(peers_c)
    LORED=$real
    restarts=$((restarts + 1))
}
for offset in +1d -365d; do
    skewed "$offset"
    clock_flagged() { on c status --json | jq -e '.clock.ok == false'; }
    until_ok 20 "c (clock $offset) reports its clock" clock_flagged
    on c status | grep -q "clock: .*WRONG" || fail "c's status says nothing of its clock ($offset)"
    set +e
    out=$(on c note "from a skewed clock" --body "must be refused" 2>&1)
    rc=$?
    set -e
    [ $rc -ne 0 ] && [[ $out == *clock* ]] || fail "c posted with its clock $offset: $out"
    kill -0 "${E2E_PID[c]}" || fail "c died with its clock $offset"
    ok "c with its clock $offset: status says so, posting is refused with the reason"
    crash c
    # shellcheck disable=SC2046
    start c $nx $(peers_c)
    restarts=$((restarts + 1))
done

# --- the end: stop writing; every acknowledged entry everywhere ---
touch "$E2E_ROOT/stop-a"
wait $wa
cat "$E2E_ROOT/acked-a" "$E2E_ROOT/acked-b" "$E2E_ROOT/acked-c" | sort -u >"$E2E_ROOT/acked"
acked=$(wc -l <"$E2E_ROOT/acked")
[ "$acked" -ge 20 ] || fail "only $acked notes were acknowledged"
present_on() { # present_on NODE: how many acknowledged ids NODE holds
    local d="$E2E_ROOT/export-$1"
    rm -rf "$d"
    on "$1" export "$d" >/dev/null 2>&1 || return 1
    jq -r '.. | objects | select(has("id")) | .id' "$d/lore-export.json" | sort -u |
        comm -12 - "$E2E_ROOT/acked" | wc -l
}
all_present() {
    local n
    for n in a b c; do [ "$(present_on $n)" -eq "$acked" ] || return 1; done
}
t0=$(date +%s%N)
until_ok 60 "every acknowledged note on a, b and c" all_present
converge_ms=$((($(date +%s%N) - t0) / 1000000))
for n in a b c; do
    on $n check >/dev/null || fail "lore check on $n is not clean"
    kill -0 "${E2E_PID[$n]}" || fail "node $n is not running"
done
ok "every acknowledged note is on every node; lore check clean on a, b and c"
echo "   (chaos: acknowledged $acked, present on a/b/c $(present_on a)/$(present_on b)/$(present_on c),\
 restarts $restarts, converged ${converge_ms} ms after the writers stopped, whole run \
$((($(date +%s%N) - t_begin) / 1000000000)) s)"
echo "chaos: $checks checks passed"
