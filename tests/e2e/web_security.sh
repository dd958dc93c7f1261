#!/usr/bin/env bash
# The web interface's defences (issue 13), with a plain HTTP client (web_security.py): no session,
# no entry; the login token (a file only we can read, and one-time tokens from `lore web`); the
# Host header (DNS rebinding); CSRF token and Origin on every POST; the headers of every
# response; hostile Markdown rendered inert; body and header limits; a flood of connections
# leaves the CLI responsive.
# usage: web_security.sh LORED LORE
LORED=$1
LORE=$2
. "$(dirname "$0")/lib.sh"
export E2E_NO_TEAM=1

start a --set mdns=off
on a init --name Ada >/dev/null || fail "init"

# --- the token file: 0600 in the 0700 identity directory, and another user cannot read it
tok="$(home a)/data/identity/web_token"
[ "$(stat -c %a "$tok")" = 600 ] || fail "web_token is $(stat -c %a "$tok"), not 600"
[ "$(stat -c %a "$(dirname "$tok")")" = 700 ] || fail "the identity directory is not 0700"
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
    if setpriv --reuid=65534 --regid=65534 --clear-groups cat "$tok" >/dev/null 2>&1; then
        fail "user nobody read the token file"
    fi
    ok "the token file is 0600 in a 0700 directory; user nobody cannot read it"
else
    ok "the token file is 0600 in a 0700 directory (not root: the other-user read is skipped)"
fi

# --- lore web: the address, with a one-time token
url=$(on a web | tail -n1)
[[ "$url" =~ ^http://lore-[0-9a-f]{10}\.localhost:([0-9]+)/login\?token=[0-9a-f]{64}$ ]] ||
    fail "lore web printed '$url'"
port=${BASH_REMATCH[1]}
on a web --json | jq -e '.url and .address and .expires_s == 120' >/dev/null || fail "web --json"
# curl resolves *.localhost to loopback itself (as browsers do): the address works as printed.
curl -sS -o /dev/null -w '%{http_code}' "${url%%/login*}/static/lore.css" >"$E2E_ROOT/curl" 2>&1
[ "$(cat "$E2E_ROOT/curl")" = 200 ] || fail "curl at lore web's address: $(cat "$E2E_ROOT/curl")"
ok "lore web prints the login address at the node's private name (port $port); curl reaches it"

python3 "$(dirname "$0")/web_security.py" "$port" "$(home a)" "$LORE" || fail "web_security.py"
checks=$((checks + 1))

# --- the node still answers everything after all that, and stops cleanly
on a status >/dev/null || fail "status after the web checks"
stop a
ok "lored stops cleanly"

# --- web_listen: a non-loopback address is refused, "" turns the web interface off
if "$LORED" --home "$(home b)" --set web_listen=0.0.0.0:5680 --print-config >/dev/null 2>"$E2E_ROOT/err"; then
    fail "web_listen = 0.0.0.0:5680 was taken"
fi
grep -q "web_listen must be a loopback address" "$E2E_ROOT/err" || fail "no reason: $(cat "$E2E_ROOT/err")"
start c --set web_listen=
out=$(on c web 2>&1) && fail "lore web answered with the web interface off: $out"
echo "$out" | grep -q "the web interface is off" || fail "lore web said: $out"
ok "web_listen refuses 0.0.0.0; with web_listen empty, lore web says the interface is off"
echo "web_security: $checks checks passed"
