#!/usr/bin/env bash
# Tamper detection once signatures are off the read path (issue 14): a row of A's replica changed
# on disk (sqlite3 UPDATE of its stored bytes) is hidden from search, never sent to a peer (B
# bootstraps from A and receives no invalid entry), reported by `lore check`, and found by the
# node's background integrity pass, which quarantines it.
# usage: integrity.sh LORED LORE
LORED=$1
LORE=$2
. "$(dirname "$0")/lib.sh"

nx="--set peer_exchange=off --set mdns=off"
start a $nx --set integrity_per_second=0
on a init --name "node a" >/dev/null
for i in 1 2 3; do
    on a note "Badge printer howto $i" --tag office --body "the badge printer needs a reset $i" \
        >/dev/null
done
tid=$(on a note "Quarterly budget" --tag finance --body "the budget sheet lives on the share" |
    tail -n1)
[ "$(on a search budget --json | jq '.results | length')" = 1 ] || fail "search before tampering"
a_addr=$(addr a)
stop a
# Change one byte of the signed bytes (the body), behind the node's back.
sqlite3 "$(home a)/data/replica.db" \
    "UPDATE entries SET raw = substr(raw, 1, 80) || X'21' || substr(raw, 82) WHERE hex(id) = upper('$tid')"
start a $nx --set integrity_per_second=0 --listen "$a_addr"

out=$(on a search budget --json)
[ "$(jq '.results | length' <<<"$out")" = 0 ] || fail "the tampered entry is shown: $out"
[ "$(jq '.corrupt' <<<"$out")" = 1 ] || fail "search did not count the tampered entry: $out"
ok "search hides the tampered entry and counts it in corrupt"

# B joins and bootstraps from A: everything but the tampered entry, and nothing invalid.
# B's own membership entry reaches A during the sync, so A's count is read again at each check:
# B holds what A holds but the tampered entry.
start b $nx --peer "$a_addr"
b_holds_a_but_one() { [ "$(entries b)" = "$(($(entries a) - 1))" ]; }
until_ok 60 "B holds A's entries but one" b_holds_a_but_one
sleep 1
b_holds_a_but_one || fail "B holds $(entries b) entries, A $(entries a): want A's but one"
[ "$(on b status --json | jq .sync.invalid)" = 0 ] || fail "A sent B an invalid entry"
set +e
on b show "$tid" >/dev/null 2>&1 && fail "B holds the tampered entry"
set -e
grep -q "is corrupt and not served" "$(home a)/lored.log" || fail "A did not log what it held back"
ok "the tampered entry is never sent to a peer"

set +e
out=$(on a check --json); rc=$?
set -e
[ "$rc" -eq 1 ] && [ "$(jq .bad <<<"$out")" = 1 ] || fail "lore check: rc $rc, $out"
ok "lore check reports the tampered entry"

# The background pass finds it by itself (the quarantine emptied first, A restarted with it on).
stop a
sqlite3 "$(home a)/data/replica.db" "DELETE FROM quarantine; DELETE FROM meta WHERE key = 'integrity_seq'"
: >"$(home a)/lored.log"
start a $nx --set integrity_per_second=1000 --listen "$a_addr"
until_ok 30 "the background pass quarantines it" grep -q "integrity: entry $tid fails" \
    "$(home a)/lored.log"
sqlite3 "$(home a)/data/replica.db" "SELECT count(*) FROM quarantine" | grep -qx 1 ||
    fail "not quarantined"
[ "$(on a search budget --json | jq '.results | length')" = 0 ] || fail "shown after the pass"
[ "$(on a search badge --json | jq '.results | length')" = 3 ] || fail "sound entries hidden"
ok "the background integrity pass finds and quarantines it"
echo "all $checks checks passed"
