#!/usr/bin/env bash
# One workstation's own defences (issue 10): the data directory is locked, the local API bounds what
# clients may hold, and a reminder pass with nobody watching leaks nothing (this last one shows
# under the ASan build, where LeakSanitizer makes lored exit non-zero at `stop`).
# usage: local.sh LORED LORE
LORED=$1
LORE=$2
. "$(dirname "$0")/lib.sh"
export E2E_NO_TEAM=1

# --- a reminder pass while nobody subscribes returns early and must free what it made
start a
for _ in 1 2 3; do
    [ "$(on a remind --json | jq .sent)" = 0 ] || fail "remind with no subscriber sent something"
done
stop a
ok "remind with nobody watching: nothing sent, and lored exits cleanly (no leak under ASan)"

# --- two lored on one data directory: the second refuses and names the first
xdg="$E2E_ROOT/xdg"
mkdir -p "$xdg/home" "$xdg/config" "$xdg/data" "$xdg/run1" "$xdg/run2"
chmod 700 "$xdg/run1" "$xdg/run2"
xdg_lored() { # xdg_lored RUNTIME_DIR ARGS... &: lored with XDG directories, no LORE_HOME
    local run=$1
    shift
    exec env -u LORE_HOME HOME="$xdg/home" XDG_CONFIG_HOME="$xdg/config" XDG_DATA_HOME="$xdg/data" \
        XDG_RUNTIME_DIR="$run" "$LORED" --listen 127.0.0.1:0 --set mdns=off "$@"
}
xdg_lore() {
    local run=$1
    shift
    env -u LORE_HOME HOME="$xdg/home" XDG_CONFIG_HOME="$xdg/config" XDG_DATA_HOME="$xdg/data" \
        XDG_RUNTIME_DIR="$run" "$LORE" "$@"
}
xdg_lored "$xdg/run1" >"$xdg/first.log" 2>&1 &
first=$!
E2E_PID[first]=$first
until_ok 10 "the first lored answers" xdg_lore "$xdg/run1" status
xdg_lored "$xdg/run2" >"$xdg/second.log" 2>&1 &
second=$!
E2E_PID[second]=$second
for _ in $(seq 100); do
    kill -0 "$second" 2>/dev/null || break
    if xdg_lore "$xdg/run2" status >/dev/null 2>&1; then
        fail "a second lored serves the data directory the first one uses"
    fi
    sleep 0.1
done
kill -0 "$second" 2>/dev/null && fail "the second lored still runs after 10 s"
rc=0
wait "$second" || rc=$?
unset "E2E_PID[second]"
[ "$rc" != 0 ] || fail "the second lored exited 0"
grep -q "in use by another lored (pid $first)" "$xdg/second.log" ||
    fail "the second lored does not name the first: $(cat "$xdg/second.log")"
[ ! -e "$xdg/run2/lore/lored.sock" ] || fail "the second lored left a socket behind"
xdg_lore "$xdg/run1" status >/dev/null || fail "the first lored was disturbed"
ok "a second lored on the same data directory exits $rc: $(grep -o 'data directory.*' "$xdg/second.log")"
kill -TERM "$first"
wait "$first" || fail "the first lored did not exit cleanly"
unset "E2E_PID[first]"
xdg_lored "$xdg/run2" >"$xdg/third.log" 2>&1 &
E2E_PID[third]=$!
until_ok 10 "a lored starts once the first has stopped" xdg_lore "$xdg/run2" status
kill -TERM "${E2E_PID[third]}"
wait "${E2E_PID[third]}" || fail "the third lored did not exit cleanly"
unset "E2E_PID[third]"
ok "the lock goes with its holder: the next lored starts"

# --- the local API's limits, on a real lored
holders="$(dirname "$0")/holders.py"
hwm() { awk '/VmHWM/ {print $2}' "/proc/$1/status"; } # peak RSS, KiB
# (Under ASan, freed memory waits in a quarantine: turn it off so RSS shows what is held.)
ASAN_OPTIONS="${ASAN_OPTIONS:-}:quarantine_size_mb=0" start b
pid_b=${E2E_PID[b]}
base=$(hwm "$pid_b")
python3 "$holders" "$(home b)/run/lored.sock" 100 $((4 * 1024 * 1024)) 30 >"$E2E_ROOT/holders.out" 2>&1 &
hpid=$!
until_ok 60 "100 clients sent or were refused" grep -q sent= "$E2E_ROOT/holders.out"
peak=$(hwm "$pid_b")
on b status >/dev/null || fail "a small request is not answered while 100 clients hold partial requests"
grep -q "busy=[1-9]" "$E2E_ROOT/holders.out" || fail "nobody was told busy: $(cat "$E2E_ROOT/holders.out")"
[ $((peak - base)) -lt $((128 * 1024)) ] ||
    fail "100 clients holding 4 MiB each took peak RSS from $((base / 1024)) to $((peak / 1024)) MiB"
ok "100 clients x 4 MiB partial requests: $(head -n1 "$E2E_ROOT/holders.out"); peak RSS $((base / 1024)) -> $((peak / 1024)) MiB; status still answered"
until_ok 30 "the node closed the partial requests after 10 s" \
    bash -c "[ \$('$LORE' --home '$(home b)' status --json | jq .clients) -le 1 ]"
wait "$hpid" || fail "holders.py failed: $(cat "$E2E_ROOT/holders.out")"
grep -q "eof=100" "$E2E_ROOT/holders.out" || fail "not every partial request was closed: $(cat "$E2E_ROOT/holders.out")"
ok "partial requests closed by the node after their deadline ($(tail -n1 "$E2E_ROOT/holders.out"))"

# Out of descriptors: idle clients take every fd the node has; it still accepts, says "busy" and
# closes, does not spin, and serves again when they go.
prlimit --pid "$pid_b" --nofile=64:64
python3 "$holders" "$(home b)/run/lored.sock" 100 0 8 >"$E2E_ROOT/idle.out" 2>&1 &
hpid=$!
until_ok 60 "100 idle clients connected" grep -q sent= "$E2E_ROOT/idle.out"
grep -q "busy=[1-9]" "$E2E_ROOT/idle.out" || fail "no idle client was told busy: $(cat "$E2E_ROOT/idle.out")"
rc=0
on b status >/dev/null 2>"$E2E_ROOT/busy.err" || rc=$?
[ "$rc" != 0 ] && grep -q "busy" "$E2E_ROOT/busy.err" ||
    fail "with no fd left, status should be refused as busy (rc $rc): $(cat "$E2E_ROOT/busy.err")"
cpu0=$(awk '{print $14 + $15}' "/proc/$pid_b/stat")
sleep 2
cpu1=$(awk '{print $14 + $15}' "/proc/$pid_b/stat")
[ $((cpu1 - cpu0)) -lt 50 ] || fail "the node spins while out of fds ($((cpu1 - cpu0)) ticks in 2 s)"
lines=$(grep -c "api: out of file descriptors\|api: accept\|api: refusing a client" "$(home b)/lored.log" || true)
[ "$lines" -le 10 ] || fail "$lines log lines about refused clients (not rate-limited)"
ok "out of fds: $(head -n1 "$E2E_ROOT/idle.out"); lore says: $(cat "$E2E_ROOT/busy.err"); $lines log lines, $((cpu1 - cpu0)) CPU ticks in 2 s"
wait "$hpid" || true
until_ok 20 "status answered once the idle clients left" on b status
stop b
ok "the node serves again once the idle clients have gone, and stops cleanly"

# --- the join code does not linger in the node's memory after `team create`, `show` and `join`
start c
start d
code=$(on c team create "secret team" | tail -n1)
on c team show >/dev/null
on c team show --json >/dev/null
on d team join "$code" >/dev/null
sleep 0.5
copies_c=$(python3 "$(dirname "$0")/memscan.py" "${E2E_PID[c]}" "$code")
copies_d=$(python3 "$(dirname "$0")/memscan.py" "${E2E_PID[d]}" "$code")
if [ "$copies_c" = unreadable ] || [ "$copies_d" = unreadable ]; then
    ok "SKIP: cannot read the nodes' memory here (not root, ptrace restricted)"
else
    [ "$copies_c" = 0 ] && [ "$copies_d" = 0 ] ||
        fail "the join code is still in memory: $copies_c copies in the creator, $copies_d in the joiner"
    ok "no copy of the join code in the creator's or joiner's memory after create, show and join"
fi
stop c
stop d

echo "local: $checks checks passed"
