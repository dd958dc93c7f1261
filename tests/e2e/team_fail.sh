#!/usr/bin/env bash
# A team operation that fails leaves the node as it was: `lore team create` while another process
# holds the node's listen port, and `lore team join` on a node whose clock is before 2020 (it
# cannot date its certificate), both fail with a clear error; the node keeps running and
# answering, is in no team, and has no team file; once the cause is gone, the same operation works.
# A member whose `lore team join` (a rotated code) fails keeps its team, team file and links.
# usage: team_fail.sh LORED LORE
LORED=$1
LORE=$2
. "$(dirname "$0")/lib.sh"

nx="--set peer_exchange=off --set mdns=off"
team_file() { echo "$(home "$1")/data/identity/team"; }
in_no_team() { [ "$(on "$1" status --json | jq -c .team)" = null ]; }
answers() { # status and peers answer, the process is alive, the node is in no team
    local n=$1
    on "$n" status >/dev/null || fail "$n: status does not answer"
    on "$n" peers >/dev/null || fail "$n: peers does not answer"
    on "$n" status --json >/dev/null || fail "$n: status --json does not answer"
    kill -0 "${E2E_PID[$n]}" 2>/dev/null || fail "$n is not running any more"
    in_no_team "$n" || fail "$n is in a team after a failed team operation"
    [ ! -e "$(team_file "$n")" ] || fail "$n has a team file after a failed team operation"
}

# --- team create with the listen port taken ---
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -c '
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(1)
print("bound", flush=True)
time.sleep(600)
' "$port" >"$E2E_ROOT/holder.out" &
holder=$!
until_ok 10 "the port holder binds $port" grep -q bound "$E2E_ROOT/holder.out"
E2E_NO_TEAM=1 start x $nx --listen "127.0.0.1:$port"
set +e
out=$(on x team create "doomed team" 2>&1)
rc=$?
set -e
[ $rc -ne 0 ] || fail "team create succeeded with the listen port taken: $out"
[[ $out == *"127.0.0.1:$port"* && $out == *"in use"* ]] || fail "team create's error is not clear: $out"
echo "   (lore team create said: $out)"
answers x
ok "team create with the listen port taken fails clearly and leaves the node in no team"
set +e
out=$(on x team create "doomed again" 2>&1)
rc=$?
set -e
[ $rc -ne 0 ] || fail "the second team create succeeded with the port taken"
answers x
ok "and again"

kill "$holder"
wait "$holder" 2>/dev/null || true
on x team create "x team" | tail -n1 >"$E2E_ROOT/code" || fail "team create after the port was freed"
[ -e "$(team_file x)" ] || fail "x has no team file after team create"
[ "$(on x status --json | jq .sync.listen_port)" = "$port" ] || fail "x does not listen on $port"
on x status >/dev/null && on x peers >/dev/null || fail "x does not answer after team create"
ok "once the port is free, team create works"

# --- team join with a clock before 2020 (the certificate cannot be dated) ---
faked="$E2E_ROOT/lored-2019"
cat >"$faked" <<EOF
#!/bin/sh
export LD_PRELOAD=/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1
export FAKETIME='@2019-06-01 12:00:00' FAKETIME_DONT_RESET=1
# An ASan build wants its runtime first; libfaketime only wraps the clock.
export ASAN_OPTIONS="\${ASAN_OPTIONS:+\$ASAN_OPTIONS:}verify_asan_link_order=0"
exec "$LORED" "\$@"
EOF
chmod +x "$faked"
[ -e /usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1 ] || fail "libfaketime is not installed"
real=$LORED
LORED=$faked E2E_NO_TEAM=1 start y $nx --peer "$(addr x)"
set +e
out=$(on y team join "$(code)" 2>&1)
rc=$?
set -e
[ $rc -ne 0 ] || fail "team join succeeded with a 2019 clock: $out"
[[ $out == *certificate* ]] || fail "team join's error is not clear: $out"
echo "   (lore team join said: $out)"
answers y
[ "$(entries y)" = 0 ] || fail "y stored something from a failed join"
ok "team join with a clock before the team's creation fails clearly and leaves the node in no team"

stop y
LORED=$real
start y $nx --peer "$(addr x)" # joins with the code, its clock right
[ -e "$(team_file y)" ] || fail "y has no team file after team join"
q=$(post x "x asks" 2>/dev/null)
until_ok 10 "y has x's question" on y show "$q"
ok "with its clock right, the node joins and syncs"

# --- a member's team join fails at the team file: its previous team stays, and syncs ---
new_code=$(on x team rotate | tail -n1)
cp "$(team_file y)" "$E2E_ROOT/y-team-before"
team_id() { on "$1" status --json | jq -r .team.id; }
id_before=$(team_id y)
mkdir "$(home y)/data/identity/.team.tmp" # the team file's temporary name is taken: saving fails
set +e
out=$(on y team join "$new_code" 2>&1)
rc=$?
set -e
[ $rc -ne 0 ] || fail "team join succeeded though the team file cannot be written: $out"
echo "   (lore team join said: $out)"
cmp -s "$(team_file y)" "$E2E_ROOT/y-team-before" || fail "y's team file changed after a failed join"
[ "$(team_id y)" = "$id_before" ] || fail "y is not in its team any more"
on y peers >/dev/null || fail "y: peers does not answer"
q=$(post x "x asks after y's failed join" 2>/dev/null)
until_ok 10 "y, back in its team, has x's question" on y show "$q"
q=$(post y "y asks after its failed join" 2>/dev/null)
until_ok 10 "x has y's question" on x show "$q"
ok "a member's failed team join keeps its team, its team file and its links"
rmdir "$(home y)/data/identity/.team.tmp"
on y team join "$new_code" >/dev/null || fail "y cannot join with the new code"
! cmp -s "$(team_file y)" "$E2E_ROOT/y-team-before" || fail "y's team file did not take the new code"
ok "then the join works"
echo "$checks passed, 0 failed"
