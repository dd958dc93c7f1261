#!/usr/bin/env bash
# End to end on one workstation: a real lored in a temporary LORE_HOME, driven by the real lore.
# usage: single_node.sh LORED LORE
set -euo pipefail
LORED=$1
LORE=$2
home=$(mktemp -d /tmp/lore-e2e-XXXXXX)
export LORE_HOME=$home
pid=
checks=0

cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$home"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; echo "--- node log:" >&2; cat "$home/lored.log" >&2 || true; exit 1; }
ok() { checks=$((checks + 1)); echo "ok $checks - $*"; }
lore() { "$LORE" "$@"; }

start_node() {
    "$LORED" --log-level debug --listen 127.0.0.1:0 >>"$home/lored.log" 2>&1 &
    pid=$!
    for _ in $(seq 100); do
        lore status >/dev/null 2>&1 && return 0
        kill -0 "$pid" 2>/dev/null || fail "lored exited during start"
        sleep 0.05
    done
    fail "lored did not answer within 5 s"
}

stop_node() {
    kill -TERM "$pid"
    wait "$pid" || fail "lored did not exit cleanly on SIGTERM (status $?)"
    pid=
}

is_id() { [[ $1 =~ ^[0-9a-f]{64}$ ]]; }

# No node yet: one clear line and exit 3, saying how to start one (at once with --wait 0; by
# default lore first waits a few seconds for a node that may be starting).
set +e
out=$(lore --wait 0 status 2>&1); rc=$?
out2=$(lore --wait 1 status 2>&1); rc2=$?
out3=$(lore --wait soon status 2>&1); rc3=$?
set -e
[ "$rc" -eq 3 ] && [ "$rc2" -eq 3 ] || fail "status without a node should exit 3, got $rc, $rc2"
[ "$rc3" -eq 2 ] && [[ $out3 == *"--wait"* ]] || fail "--wait soon: rc=$rc3 $out3"
[[ $out == *lored* ]] || fail "status without a node should say how to start one: $out"
[ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] || fail "error should be one line: $out"
ok "no node: exit 3 with a hint"

start_node
ok "node started"
[ "$(stat -c %a "$home/run")" = 700 ] || fail "runtime dir is not 0700"
[ "$(stat -c %a "$home/data/identity/secret.key")" = 600 ] || fail "secret key is not 0600"
ok "socket dir 0700, secret key 0600"

# A second node on the same home refuses to start.
set +e
"$LORED" --listen 127.0.0.1:0 >"$home/second.log" 2>&1 & p2=$!
sleep 1
kill -0 "$p2" 2>/dev/null && { kill "$p2"; fail "a second lored started on the same socket"; }
wait "$p2"; rc=$?
set -e
[ "$rc" -ne 0 ] || fail "second lored exited 0"
# Same home, same data directory: its lock names the node holding it.
grep -q "in use by another lored (pid $pid)" "$home/second.log" ||
    fail "second lored did not say why: $(cat "$home/second.log")"
ok "second node refused"

out=$(lore init --name "Ada Lovelace")
is_id "$(tail -n1 <<<"$out")" || fail "init: last line is not an id: $out"
ok "init"

qid=$(lore ask "How do I rotate the VPN certificate?" --tag vpn --tag Network \
    --body "It expires on Friday and the wiki page is gone." --urgent | tail -n1)
is_id "$qid" || fail "ask: last line is not an id: $qid"
ok "ask -> $qid"

[ "$(lore list --open --json | jq '.entries | length')" = 1 ] || fail "the question is not open"
ok "list --open shows the question"

aid=$(printf 'Run `vpnctl rotate`, then restart the client.\n' | lore answer "${qid:0:8}" - | tail -n1)
is_id "$aid" || fail "answer: last line is not an id: $aid"
ok "answer by prefix, body from stdin"

[ "$(lore list --open --json | jq '.entries | length')" = 0 ] || fail "answered question still open"
ok "answered question is no longer open"

# Accepting resolves the question; only answers can be accepted.
[ "$(lore show "$qid" --json | jq -r .entry.status)" = answered ] || fail "status should be answered"
acc=$(lore accept "${aid:0:8}" | tail -n1)
is_id "$acc" || fail "accept: last line is not an id: $acc"
json=$(lore show "$qid" --json)
[ "$(jq -r .entry.status <<<"$json")" = resolved ] || fail "status should be resolved: $json"
[ "$(jq -r .entry.accepted <<<"$json")" = "$aid" ] || fail "the accepted answer is not $aid"
lore show "$qid" | grep -q "accepted by the asker" || fail "show does not mark the accepted answer"
set +e
out=$(lore accept "${qid:0:8}" 2>&1); rc=$?
set -e
[ "$rc" -eq 1 ] && [[ $out == *"not an answer"* ]] || fail "accepting a question: rc=$rc $out"
ok "accept resolves the question; only answers can be accepted"

# Asking again shows the similar question (on stderr) once the new one is posted.
out=$(lore ask "How to rotate a VPN certificate" --tag vpn 2>&1 >"$home/ask.out")
[[ $out == *"Similar questions"* && $out == *"${qid:0:12}"* && $out == *resolved* ]] ||
    fail "ask did not show the similar, resolved question: $out"
new=$(tail -n1 "$home/ask.out")
[[ $out != *"${new:0:12}"* ]] || fail "ask hinted its own question: $out"
# A refused ask shows no hint; a question sharing only "what is the" words gets none either.
set +e
out=$(lore ask "How do I rotate the VPN certificate?" --to "Nobody Here" 2>&1); rc=$?
set -e
[ "$rc" -eq 1 ] && [[ $out != *"Similar questions"* ]] || fail "a refused ask printed hints: $out"
out=$(lore ask "What is the wifi password?" 2>&1 >/dev/null)
[[ $out != *"Similar questions"* ]] || fail "noise hint: $out"
ok "ask shows similar questions and their status; not for a refused ask, and not for shared stop words"

nid=$(lore note "VPN certificates" --tag vpn --body "Certificates live in /etc/vpn and rotate yearly." | tail -n1)
is_id "$nid" || fail "note: $nid"
ok "note"

out=$(lore search vpn)
[[ $out == *"How do I rotate the VPN certificate?"* ]] || fail "search misses the question: $out"
json=$(lore search certificate --json)
[ "$(jq -r '.results[0].snippet' <<<"$json" | grep -c '\*\*')" -ge 1 ] ||
    fail "search snippet has no highlight: $json"
ok "search finds it with a highlighted snippet"

json=$(lore show "${qid:0:10}" --json)
[ "$(jq -r '.entry.id' <<<"$json")" = "$qid" ] || fail "show: wrong id"
[ "$(jq -r '.entry.author_name' <<<"$json")" = "Ada Lovelace" ] || fail "show: author name"
[ "$(jq -r '.entry.verified' <<<"$json")" = true ] || fail "show: not verified"
[ "$(jq -r '.entry.tags | join(",")' <<<"$json")" = "network,vpn" ] || fail "show: tags"
[ "$(jq -r '.entry.urgent' <<<"$json")" = true ] || fail "show: urgent"
[ "$(jq -r '.entry.created_ms > 1700000000000' <<<"$json")" = true ] || fail "show: time"
[ "$(jq -r '.answers[0].id' <<<"$json")" = "$aid" ] || fail "show: the answer is missing"
ok "show --json: author, time, tags, verified signature, answer"

lore show "$qid" | grep -q "verified" || fail "show (human) does not mention the signature"
ok "show (human)"

# Bad input gets one clear line and a non-zero exit.
set +e
out=$(lore answer ffff0000 --body x 2>&1); rc=$?
[ "$rc" -eq 1 ] && [[ $out == lore:* ]] || fail "answer to a missing id: rc=$rc $out"
out=$(lore ask "bad tag" --tag "two words" 2>&1); rc=$?
[ "$rc" -eq 1 ] || fail "invalid tag accepted: $out"
out=$(lore frobnicate 2>&1); rc=$?
[ "$rc" -eq 2 ] || fail "unknown command: rc=$rc"
# No body and stdin not a terminal: the cause is the missing terminal, not $EDITOR.
out=$(EDITOR=vi lore answer "$qid" </dev/null 2>&1); rc=$?
[ "$rc" -eq 1 ] && [[ $out == *"stdin is not a terminal"* && $out == *"--body"* ]] &&
    [[ $out != *'set $EDITOR'* ]] || fail "no body, no terminal: rc=$rc $out"
set -e
ok "errors: missing id, invalid tag, unknown command, no body without a terminal"

# The subscription stream sees new entries.
lore watch --json >"$home/watch.out" 2>&1 & wpid=$!
sleep 0.5
wid=$(lore ask "Who has the projector remote?" --tag office | tail -n1)
for _ in $(seq 40); do grep -q "$wid" "$home/watch.out" && break; sleep 0.05; done
kill "$wpid" 2>/dev/null; wait "$wpid" 2>/dev/null || true
grep -q "$wid" "$home/watch.out" || fail "watch did not stream the new question"
ok "watch streams new entries"

[ "$(lore check --json | jq '.bad')" = 0 ] || fail "check on a clean replica"
ok "check: clean"

# Tamper with the stored bytes of the answer behind the node's back.
stop_node
ok "clean shutdown on SIGTERM"
[ ! -e "$home/run/lored.sock" ] || fail "socket left behind after a clean stop"
sqlite3 "$home/data/replica.db" \
    "UPDATE entries SET raw = substr(raw, 1, 80) || X'21' || substr(raw, 82) WHERE hex(id) = upper('$aid')"
start_node
set +e
out=$(lore show "$aid" 2>&1); rc=$?
set -e
[ "$rc" -eq 1 ] && [[ $out == *verif* || $out == *corrupt* ]] || fail "tampered entry served: $out"
[ "$(lore show "$qid" --json | jq '.answers | length')" = 0 ] || fail "tampered answer listed"
set +e
out=$(lore check --json); rc=$?
set -e
[ "$rc" -eq 1 ] || fail "check should exit 1 on a tampered replica (got $rc)"
[ "$(jq '.bad' <<<"$out")" = 1 ] || fail "check did not count the tampered entry: $out"
grep -q "corrupt" "$home/lored.log" || fail "the node did not log the tampered entry"
ok "tampered entry detected, reported and never served"

# A crash leaves a stale socket; the next start replaces it.
kill -9 "$pid"; wait "$pid" 2>/dev/null || true; pid=
[ -S "$home/run/lored.sock" ] || fail "expected a stale socket after kill -9"
start_node
[ "$(lore list --json | jq '.entries | length')" -ge 3 ] || fail "entries lost after kill -9"
ok "restart after kill -9 replaces the stale socket, keeps the data"

# Stop through the API.
lore stop >/dev/null
wait "$pid" || fail "lored exited non-zero after lore stop"
pid=
ok "lore stop"

# Config errors name the file and line.
printf 'log_level = info\nno_such_option = 1\n' >"$home/lore.conf"
set +e
out=$("$LORED" 2>&1); rc=$?
set -e
[ "$rc" -ne 0 ] && [[ $out == *"lore.conf:2"* ]] || fail "unknown config key not reported with file:line: $out"
ok "unknown config key: file:line"

echo "$checks passed, 0 failed"
