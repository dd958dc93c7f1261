#!/usr/bin/env bash
# Upgrade safety: the whole home of a node written by an older lore (commit 0a7b1b9, replica schema
# 4: tests/fixtures/replica-v4.tar.gz, made by tests/fixtures/make-replica-v4.sh) opens with this
# lored. It migrates the replica once (4 -> ... -> REPLICA_SCHEMA_VERSION), keeps the identity, the
# team, the config and every entry as the old node showed them (tests/fixtures/replica-v4.expect:
# the old node's own answers), takes new entries, and a restart migrates nothing again.
# usage: migrate.sh LORED LORE
LORED=$1
LORE=$2
. "$(dirname "$0")/lib.sh"

FIX=$(cd "$(dirname "$0")/../fixtures" && pwd)
EXPECT=$FIX/replica-v4.expect
SCHEMA=$(sed -n 's/^#define REPLICA_SCHEMA_VERSION \([0-9][0-9]*\).*/\1/p' \
    "$(dirname "$0")/../../sync/replica.h")
[ -n "$SCHEMA" ] || fail "cannot read REPLICA_SCHEMA_VERSION from sync/replica.h"
OLD=$(jq -r .made_by.schema "$EXPECT")

old() { jq -c "$@" "$EXPECT"; } # old FILTER: what the old node said
id() { jq -r ".ids.$1" "$EXPECT"; }
db() { sqlite3 "$(home a)/data/replica.db" "$@"; }
# same WHAT OLD NEW: the two JSON values must be equal (compared canonically); shows both if not.
# An empty side (a filter that failed) is a failure, never a match.
same() {
    [ -n "$2" ] && [ -n "$3" ] || fail "$1: nothing to compare (old '$2', now '$3')"
    [ "$(jq -cS . <<<"$2")" = "$(jq -cS . <<<"$3")" ] && return 0
    diff <(jq -S . <<<"$2") <(jq -S . <<<"$3") | head -n 40 >&2 || true
    fail "$1: differs from what the old node said (< old, > now)"
}
# The parts of an entry the old node showed that must not change (its bytes, and what follows
# from the entries around it); counts of later features are not compared.
ENTRY='{id, kind, kind_id, version, author, author_name, created_ms, refs, tags, title, body,
    attrs, urgent, to, signature, verified, size, answers, status, accepted, edits, edited_ms,
    revision, flags, votes, pinned, is_accepted}'
# show_view: one `show --json`, its entry and the entries under it, in ENTRY's terms.
SHOW="{entry: (.entry | $ENTRY), answers: [.answers[] | $ENTRY], comments: [.comments[] | $ENTRY]}"
LIST="[.entries[] | $ENTRY] | sort_by(.id)"

# Entries dated after this machine's clock (plus lore's 10 minutes of tolerance) are held back
# by design (docs/PROTOCOL.md, "Time"): on a clock before the fixture was made, skip.
newest=$(old '[.. | .created_ms? | numbers] | max')
if [ "$(($(date +%s%3N) + 600000))" -lt "$newest" ]; then
    echo "SKIP: this machine's clock is before the fixture was made ($(old -r .made_by.at))"
    exit 77
fi

mkdir -p "$(home a)"
tar -C "$(home a)" -xzf "$FIX/replica-v4.tar.gz"
[ "$(db 'PRAGMA user_version')" = "$OLD" ] || fail "the fixture's replica is not at schema $OLD"
[ "$OLD" -lt "$SCHEMA" ] || fail "schema $SCHEMA: nothing to migrate from $OLD"
ok "fixture: a home written at schema $OLD by $(old -r .made_by.commit | cut -c1-7)"

# The fixture has its team file: start must not make a new team over it.
E2E_NO_TEAM=1 start a --set mdns=off
log=$(home a)/lored.log
until_ok 10 "the first integrity pass" grep -q "integrity pass done" "$log"

# Each migration from the old schema to ours ran once, in order, and nothing else.
want=$(for ((v = OLD; v < SCHEMA; v++)); do echo "replica: migrating schema $v -> $((v + 1))"; done)
got=$(grep -o 'replica: migrating schema .*' "$log" || true)
[ "$got" = "$want" ] || fail "migrations logged: '$got', want: '$want'"
[ "$(db 'PRAGMA user_version')" = "$SCHEMA" ] || fail "user_version is not $SCHEMA after the start"
grep -q "identity $(old -r .status.public_key) (loaded)" "$log" ||
    fail "the node did not load the fixture's identity"
ok "migrations $OLD -> $SCHEMA logged once each; user_version $SCHEMA; the identity loaded"

# What the migrations computed from the old rows: effective time (4 -> 5) and urgent (7 -> 8).
[ "$(db 'SELECT count(*) FROM entries WHERE effective_ms < created_ms')" = 0 ] ||
    fail "entries without an effective time after 4 -> 5"
same "the urgent column (7 -> 8)" \
    "$(old "[.ids.q_vpn, .ids.q_urgent] | sort")" \
    "$(db "SELECT lower(hex(id)) FROM entries WHERE urgent = 1" | jq -R . | jq -cs 'sort')"
[ "$(db "SELECT count(*) FROM quarantine")" = 0 ] || fail "entries quarantined after migrating"
ok "migrated columns: effective_ms set everywhere, urgent set on exactly the urgent questions"

st=$(on a status --json)
same "identity and entry count" "$(old '.status | {public_key, name, entries}')" \
    "$(jq -c '{public_key, name, entries}' <<<"$st")"
[ "$(jq -r .config_file <<<"$st")" = "$(home a)/lore.conf" ] || fail "the old lore.conf was not read"
"$LORED" --home "$(home a)" --print-config | grep -qx "sync_interval = 1" ||
    fail "the old lore.conf's sync_interval = 1 is not in effect"
ok "same key, name and entry count; the old lore.conf is read"

TEAM='.team | {id, name, mdns_tag, member, admin, code, members: [.members[] | {key, name, admin,
    vouched, trusted, revoked_ms}] | sort_by(.key)}'
same "team" "$(old ".team | $TEAM")" "$(on a team show --json | jq -c "$TEAM")"
ok "same team: id, name, join code, members, admins, vouches"

same "list" "$(old ".list | $LIST")" "$(on a list --json --limit 500 | jq -c "$LIST")"
for k in question answer note comment; do
    same "list --kind $k" "$(old ".list_$k | $LIST")" \
        "$(on a list --kind $k --json --limit 500 | jq -c "$LIST")"
done
ok "list: every entry with the same id, kind, author, title, body, tags, signature and state"

shown=0
for e in $(old -r '.show | keys[]'); do
    same "show $e" "$(old --arg e "$e" ".show[\$e] | $SHOW")" "$(on a show "$e" --json | jq -c "$SHOW")"
    shown=$((shown + 1))
done
[ "$shown" = 6 ] || fail "the expect file has $shown entries shown, not 6"
q=$(on a show "$(id q_vpn)" --json)
[ "$(jq -r .entry.accepted <<<"$q")" = "$(id a_vpn)" ] || fail "the VPN question lost its accepted answer"
[ "$(jq -r .entry.status <<<"$q")" = resolved ] || fail "the VPN question is not resolved"
[ "$(on a show "$(id q_jam)" --json | jq -r .entry.accepted)" = "$(id a_jam)" ] ||
    fail "the printer question lost its accepted answer"
[ "$(on a show "$(id n_pin)" --json | jq -r '.entry.pinned, .entry.flags.verified' | paste -sd,)" = \
    "true,1" ] || fail "the note is no longer pinned and flagged verified"
ok "show: questions, answers (accepted ones still accepted), comments, votes, flags, pins as before"

HIST='{entry: (.entry | {id, title, body, tags, edits, revision}), history: [.history[] |
    {id, author, created_ms, title, body, tags}]}'
h=$(on a show "$(id q_edit)" --history --json)
same "history" "$(old ".history | $HIST")" "$(jq -c "$HIST" <<<"$h")"
[ "$(jq -r .entry.title <<<"$h")" = "Where is the coffee machine manual?" ] &&
    [ "$(jq '.history | length' <<<"$h")" = 2 ] &&
    [ "$(jq -r '.history[0].title' <<<"$h")" = "Coffe machnie manual?" ] ||
    fail "the edited question's title or history: $(jq -c '[.history[].title]' <<<"$h")"
ok "the edited question: new title, both versions in its history"

gone=$(id n_gone)
set +e
out=$(on a show "$gone" 2>&1)
rc=$?
set -e
[ "$rc" -ne 0 ] || fail "the retracted note is shown: $out"
on a list --json --limit 500 | jq -e --arg g "$gone" 'all(.entries[]; .id != $g)' >/dev/null ||
    fail "the retracted note is listed"
[ "$(db "SELECT count(*) FROM tombstones WHERE id = x'$gone'")" = 1 ] &&
    [ "$(db "SELECT count(*) FROM entries WHERE id = x'$gone'")" = 0 ] ||
    fail "the retracted note's tombstone is gone or its row is back"
ok "the retracted note stays gone (tombstone kept)"

INBOX='{areas, entries: [.entries[] | {id, urgent, title, status}]}'
same "inbox" "$(old ".inbox | $INBOX")" "$(on a inbox --json | jq -c "$INBOX")"
[ "$(on a inbox --json | jq -r '.entries[0] | "\(.id) \(.urgent)"')" = "$(id q_urgent) true" ] ||
    fail "the urgent question is not first in the inbox"
on a list --json --limit 500 | jq -e --arg q "$(id q_vpn)" '.entries[] | select(.id == $q) | .urgent' \
    >/dev/null || fail "the urgent VPN question is no longer urgent in list"
ok "urgent: first in the inbox, still urgent in list"

RES='[.results[] | {id: .entry.id, snippet}]'
for w in descaling deauthentication zanzibar; do
    same "search $w" "$(old ".search_$w | $RES")" "$(on a search "$w" --json | jq -c "$RES")"
done
[ "$(on a search deauthentication --json | jq -r '.results[0].entry.id')" = "$(id q_urgent)" ] ||
    fail "search does not find a word of a question's body"
ok "search: the same hits and snippets (a body word, an edited body); none for the retracted note"

PROFILE='.profile | {key, name, bio, team, follows, skills, answers, accepted_answers,
    mentor_offers: [.mentor_offers[] | .id], sessions_hosted}'
same "profile" "$(old ".profile | $PROFILE")" "$(on a profile --json | jq -c "$PROFILE")"
# The leaderboard's facts (its point rules may change between versions; these may not).
TOP='[.people[] | {key, upvotes, downvotes, thanks, accepted}] | sort_by(.key)'
same "top" "$(old ".top | $TOP")" "$(on a top --json | jq -c "$TOP")"
ok "profile (bio, follows, skills, endorsement, mentoring, sessions) and the leaderboard's facts"

set +e
chk=$(on a check --json)
rc=$?
set -e
[ "$rc" -eq 0 ] && [ "$(jq -r '"\(.bad) \(.integrity_ok) \(.entries)"' <<<"$chk")" = \
    "0 true $(old .status.entries)" ] || fail "check after migrating (rc $rc): $chk"
ok "lore check: every entry sound, database integrity ok"

# The migrated node takes new entries: ask, answer (a second identity is not needed to answer).
nq=$(on a ask "Does the migrated replica take new questions?" --tag upgrade \
    --body "Asked after the upgrade from schema $OLD." 2>/dev/null | tail -n1)
na=$(on a answer "$nq" --body "It does: posted with the current lored." | tail -n1)
[[ $nq =~ ^[0-9a-f]{64}$ && $na =~ ^[0-9a-f]{64}$ ]] || fail "post after migrating: $nq $na"
[ "$(on a show "$nq" --json | jq -r '.entry.status, .answers[0].id' | paste -sd,)" = "answered,$na" ] ||
    fail "the new question and its answer"
[ "$(on a search upgrade --json | jq -r '.results[0].entry.id')" = "$nq" ] ||
    fail "search does not find the new question"
[ "$(entries a)" = "$(($(old .status.entries) + 2))" ] || fail "entry count after two posts"
ok "new question and answer posted, shown and found"

# A restart: no migration again, everything as it was.
before_list=$(on a list --json --limit 500 | jq -c "$LIST")
before_show=$(on a show "$(id q_vpn)" --json | jq -c "$SHOW")
lines=$(wc -l <"$log")
stop a
E2E_NO_TEAM=1 start a --set mdns=off
until_ok 10 "the integrity pass after the restart" \
    bash -c "tail -n +$((lines + 1)) '$log' | grep -q 'integrity pass done'"
if tail -n +"$((lines + 1))" "$log" | grep 'migrating schema'; then
    fail "a migration ran again on the restart"
fi
[ "$(db 'PRAGMA user_version')" = "$SCHEMA" ] || fail "user_version changed on the restart"
same "list after the restart" "$before_list" "$(on a list --json --limit 500 | jq -c "$LIST")"
same "show after the restart" "$before_show" "$(on a show "$(id q_vpn)" --json | jq -c "$SHOW")"
same "team after the restart" "$(old ".team | $TEAM")" "$(on a team show --json | jq -c "$TEAM")"
[ "$(on a status --json | jq -r .public_key)" = "$(old -r .status.public_key)" ] ||
    fail "the identity changed on the restart"
[ "$(on a check --json | jq -r '"\(.bad) \(.integrity_ok)"')" = "0 true" ] ||
    fail "check after the restart"
ok "restart: no migration, the same entries, team and identity, check sound"
stop a

echo "$checks passed, 0 failed"
