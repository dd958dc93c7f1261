# Shared helpers for the end-to-end tests: real lored processes, each in its own LORE_HOME under
# one temporary directory, talking over loopback only. Source it, set LORED, LORE and LORE_FILL.
set -euo pipefail

E2E_ROOT=$(mktemp -d /tmp/lore-e2e-XXXXXX)
declare -A E2E_PID=()
checks=0

e2e_cleanup() {
    local n j
    for n in "${!E2E_PID[@]}"; do
        kill -9 "${E2E_PID[$n]}" 2>/dev/null || true
    done
    # background loops a test started (writers, watchers) end with it, even when it fails midway
    for j in $(jobs -p); do kill "$j" 2>/dev/null || true; done
    wait 2>/dev/null || true
    if [ "${E2E_KEEP:-0}" = 1 ]; then echo "kept $E2E_ROOT"; else rm -rf "$E2E_ROOT"; fi
}
trap e2e_cleanup EXIT

fail() {
    local n
    echo "FAIL: $*" >&2
    for n in "${!E2E_PID[@]}"; do
        echo "--- tail of node $n's log:" >&2
        tail -n 15 "$E2E_ROOT/$n/lored.log" >&2 || true
    done
    exit 1
}
# fill_disk DIR: write zeros under DIR until its file system has no block left (big blocks, then
# small ones, so not even a page is free).
fill_disk() {
    local bs
    for bs in 1M 4k 512; do dd if=/dev/zero of="$1/filler-$bs" bs=$bs 2>/dev/null || true; done
}
# free_disk DIR: remove what fill_disk wrote.
free_disk() { rm -f "$1"/filler-*; }
ok() { checks=$((checks + 1)); echo "ok $checks - $*"; }
home() { echo "$E2E_ROOT/$1"; }
on() { local n=$1; shift; LORE_HOME="$(home "$n")" "$LORE" "$@"; }

# Every node of a test is in one team: the first node started creates it (its join code is kept
# in $E2E_ROOT/code), the others join with that code; a restarted node keeps its team. With
# E2E_NO_TEAM=1, start leaves the node in no team.
team_setup() {
    local n=$1
    [ "${E2E_NO_TEAM:-0}" = 1 ] && return 0
    [ -e "$(home "$n")/data/identity/team" ] && return 0
    if [ ! -s "$E2E_ROOT/code" ]; then
        on "$n" team create "e2e team" | tail -n1 >"$E2E_ROOT/code" || fail "team create on $n"
    else
        # --no-wait: most tests link their nodes after starting them.
        on "$n" team join "$(cat "$E2E_ROOT/code")" --no-wait >/dev/null || fail "team join on $n"
    fi
}
code() { cat "$E2E_ROOT/code"; }

# start NAME [lored args...]: start a node listening on an ephemeral loopback port, in the team.
start() {
    local n=$1 i
    shift
    mkdir -p "$(home "$n")"
    "$LORED" --home "$(home "$n")" --listen 127.0.0.1:0 --set sync_interval=2 \
        --set web_listen=127.0.0.1:0 "$@" \
        >>"$(home "$n")/lored.log" 2>&1 &
    E2E_PID[$n]=$!
    for i in $(seq 200); do
        if on "$n" status >/dev/null 2>&1; then
            team_setup "$n"
            return 0
        fi
        kill -0 "${E2E_PID[$n]}" 2>/dev/null || fail "node $n exited during start"
        sleep 0.05
    done
    fail "node $n did not answer within 10 s"
}

stop() { # stop NAME: SIGTERM, and it must exit cleanly
    kill -TERM "${E2E_PID[$1]}"
    wait "${E2E_PID[$1]}" || fail "node $1 did not exit cleanly"
    unset "E2E_PID[$1]"
}

crash() { # crash NAME: kill -9
    kill -9 "${E2E_PID[$1]}"
    wait "${E2E_PID[$1]}" 2>/dev/null || true
    unset "E2E_PID[$1]"
}

# api NAME JSON: one request on NAME's local API socket; prints the response line.
api() {
    python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode() + b"\n")
buf = b""
while not buf.endswith(b"\n"):
    chunk = s.recv(65536)
    if not chunk:
        break
    buf += chunk
sys.stdout.write(buf.decode())
' "$(home "$1")/run/lored.sock" "$2"
}
addr() { echo "127.0.0.1:$(on "$1" status --json | jq .sync.listen_port)"; }
entries() { on "$1" status --json | jq .entries; }
ids() { on "$1" list --json --limit 500 | jq -r '.entries[].id' | sort; }

# until SECONDS DESCRIPTION COMMAND...: poll until the command succeeds.
until_ok() {
    local limit=$1 what=$2 start
    shift 2
    start=$(date +%s%N)
    while ! "$@" >/dev/null 2>&1; do
        [ $(($(date +%s%N) - start)) -lt $((limit * 1000000000)) ] || fail "timed out: $what"
        sleep 0.1
    done
    echo "   ($what after $((($(date +%s%N) - start) / 1000000)) ms)"
}

# same_count / same_ids N1 N2...: succeed when all nodes agree.
same_count() {
    local first=$1 n want
    want=$(entries "$first")
    for n in "$@"; do [ "$(entries "$n")" = "$want" ] || return 1; done
}
same_ids() {
    local first=$1 n want
    same_count "$@" || return 1
    want=$(ids "$first")
    for n in "$@"; do [ "$(ids "$n")" = "$want" ] || return 1; done
}
# all_equal N1 N2...: wait for the same entries everywhere, then compare search results too.
all_equal() {
    local first=$1 n
    until_ok 30 "same entries on $*" same_ids "$@"
    for n in "$@"; do
        [ "$(on "$n" search printer --limit 500 --json | jq -c '[.results[].entry.id]')" = \
          "$(on "$first" search printer --limit 500 --json | jq -c '[.results[].entry.id]')" ] ||
            fail "node $n answers a search differently from $first"
    done
}

post() { # post NODE TITLE: a question tagged printing, prints its id
    on "$1" ask "$2" --tag printing --body "printer trouble: $2" | tail -n1
}
