#!/usr/bin/env bash
# The web interface in a real headless Chromium (issue 13's "Done when"): two real nodes in one
# team; A's person logs in through the `lore web` link, asks through the form, B answers from its
# CLI, the answer appears on A's open page without reload, A accepts it with the button and finds
# it through search; hostile Markdown renders inert; A sets a learning goal through the form, its
# circle lists A, the needs chart renders, A marks it done and thanks B (issue 16). Any console
# error or CSP violation fails.
# browser.py drives Chromium over the DevTools protocol (no package beyond python3 and chromium).
# With LORE_SCREENSHOTS=1 it saves docs/img/web-{home,question,search}.png for README.
# usage: web_browser.sh LORED LORE   (exits 77, skipped, only when chromium is not installed)
LORED=$1
LORE=$2
chromium=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chromium" ]; then
    echo "SKIP: no chromium (scripts/setup test installs Debian's chromium)"
    exit 77
fi
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

start a --set mdns=off
start b --set mdns=off --peer "$(addr a)"
on a init --name "Ada Lovelace" >/dev/null || fail "init a"
on b init --name "Grace Hopper" >/dev/null || fail "init b"
on a skills add printing --level 4 >/dev/null || fail "skills on a"

# Something for A's inbox and the screenshots: B's questions in A's area and to A by name.
on b ask "Toner for the floor-3 printer?" --tag printing --urgent \
    --body "It says *toner low*; where do we keep the spare cartridges?" >/dev/null
on b ask "Can you review the poster layout?" --tag design --to "Ada Lovelace" \
    --body "Draft in the shared folder, before Friday please." >/dev/null
until_ok 30 "B's questions on A" same_ids a b
ok "two nodes in one team, A skilled in printing, B's questions on A"

shots=
if [ "${LORE_SCREENSHOTS:-0}" = 1 ]; then
    shots=$(cd "$here/../../docs" && pwd)/img
    mkdir -p "$shots"
fi
python3 "$here/browser.py" "$chromium" "$LORE" "$(home a)" "$(home b)" "$E2E_ROOT" "$shots" ||
    fail "browser.py (chromium's own log: $E2E_ROOT/chromium.log, kept with E2E_KEEP=1)"
checks=$((checks + 1))

stop a
stop b
ok "both nodes stop cleanly"
echo "web_browser: $checks checks passed"
