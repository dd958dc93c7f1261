#!/usr/bin/env bash
# The web interface's live parts (issue 13), with a plain HTTP client (web_live.py) on node A of a
# two-node team: the event stream (GET /events) carries an answer posted from node B's CLI; the
# script is served and loaded by every page; the question page's actions (accept, vote, thank,
# comment, edit with history, flag, pin, retract) each work and are refused without CSRF; an op's
# refusal is a page, not a 500; the ask form's hints; a session's streams are bounded; idle
# streams cost no CPU.
# usage: web_live.sh LORED LORE
LORED=$1
LORE=$2
. "$(dirname "$0")/lib.sh"

start a --set mdns=off
start b --set mdns=off --peer "$(addr a)"
on a init --name Ada >/dev/null || fail "init a"
on b init --name Bob >/dev/null || fail "init b"
until_ok 30 "a and b in sync" same_ids a b
ok "two nodes in one team"

port=$(on a web --json | jq -r .address | sed -E 's#^http://[^/]+:([0-9]+)/$#\1#')
python3 "$(dirname "$0")/web_live.py" "$port" "$LORE" "$(home a)" "$(home b)" "${E2E_PID[a]}" ||
    fail "web_live.py"
checks=$((checks + 1))

# A stream waiting (suspended) when the node stops: the node closes it and exits cleanly.
python3 "$(dirname "$0")/web_live.py" "$port" "$LORE" "$(home a)" "$(home b)" "${E2E_PID[a]}" hold \
    >"$E2E_ROOT/hold.out" 2>&1 &
holder=$!
until_ok 60 "a stream held open" grep -q '^open$' "$E2E_ROOT/hold.out"
stop a
wait "$holder" || fail "the stream holder: $(cat "$E2E_ROOT/hold.out")"
grep -q '^closed$' "$E2E_ROOT/hold.out" || fail "the held stream: $(cat "$E2E_ROOT/hold.out")"
ok "lored stops cleanly with an event stream open, and closes it"
echo "web_live: $checks checks passed"
