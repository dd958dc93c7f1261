#!/usr/bin/env bash
# Every page of the web interface, with a session, on two real nodes of one team (web_pages.py, a
# plain HTTP client): people, profiles, skills, endorsements, who-knows, mentoring; sessions,
# RSVP and .ics; stats with the SVG chart and the leaderboard; team (admin-only forms refuse a
# member); tag pages and search filters.
# usage: web_pages.sh LORED LORE
LORED=$1
LORE=$2
. "$(dirname "$0")/lib.sh"

start a --set mdns=off
start b --set mdns=off --peer "$(addr a)"
on a init --name Ann >/dev/null
on b init --name Bob >/dev/null
until_ok 30 "a and b know each other" bash -c \
    "LORE_HOME='$(home a)' '$LORE' profile Bob >/dev/null && LORE_HOME='$(home b)' '$LORE' profile Ann >/dev/null"
q=$(on a ask "How do I reach the VPN from home?" --tag vpn --body "The client says no route." | tail -n1)
until_ok 30 "b has the question" on b show "$q"
on b answer "$q" --body "Install the *lab* profile first." >/dev/null || fail "answer"
until_ok 30 "a has the answer" bash -c "LORE_HOME='$(home a)' '$LORE' show '$q' --json | jq -e '.answers | length == 1'"
port() { on "$1" web --json | jq -r .address | sed -E 's#^http://[^/]+:([0-9]+)/$#\1#'; }
python3 "$(dirname "$0")/web_pages.py" "$(port a)" "$(home a)" "$(port b)" "$(home b)" "$LORE" ||
    fail "web_pages.py"
checks=$((checks + 1))
stop a
stop b
ok "both nodes stop cleanly"
echo "web_pages: $checks checks passed"
