#!/usr/bin/env bash
# lore import and lore export: an Obsidian-style vault becomes notes (front matter, headings,
# inline #tags, nested folders; hidden folders, empty and oversized files skipped with reasons);
# importing again adds nothing; an export holds every entry as Markdown plus lore-export.json; and
# the export imported into a fresh node gives the same note titles and bodies.
# usage: vault.sh LORED LORE
LORED=$1
LORE=$2
. "$(dirname "$0")/lib.sh"

start a
on a init --name Alice >/dev/null

# --- a small vault ---------------------------------------------------------------------------
v=$E2E_ROOT/vault
mkdir -p "$v/projects/infra" "$v/.obsidian" "$v/.trash"
cat >"$v/vpn.md" <<'EOF'
---
title: "Resetting the VPN client"
tags: [vpn, Network]
aliases: [vpn-reset]
---
# Not the title

Quit the client, then run `reset #notatag` and log in again. #howto
EOF
cat >"$v/projects/infra/backups.md" <<'EOF'
---
tags:
  - backup
  - "ops/infra"
---

# Nightly backups

Backups run at 02:00; see #runbook and #2024 (a number, not a tag).

```
# a comment in code #notatag
```
EOF
printf 'No front matter and no heading.\nJust #plain text with a #_underscore and #Ünïcode.\n' \
    >"$v/projects/Loose thoughts.md"
printf '{"theme": "dark"}\n# Settings\n' >"$v/.obsidian/workspace.md"
printf 'in the trash\n' >"$v/.trash/old.md"
: >"$v/empty.md"
head -c 300000 /dev/zero | tr '\0' 'x' >"$v/huge.md"
printf 'not markdown\n' >"$v/notes.txt"

out=$(on a import "$v" --tag imported --json 2>"$E2E_ROOT/import1.err")
echo "$out" | jq -e '.imported == 3' >/dev/null || fail "import: expected 3 notes: $out"
echo "$out" | jq -e '[.skipped[].path] | sort == ["empty.md", "huge.md"]' >/dev/null ||
    fail "import: expected empty.md and huge.md skipped: $out"
echo "$out" | jq -e '.skipped[] | select(.path == "empty.md") | .reason | test("empty")' \
    >/dev/null || fail "import: empty.md needs a reason: $out"
echo "$out" | jq -e '.skipped[] | select(.path == "huge.md") | .reason | test("limit")' \
    >/dev/null || fail "import: huge.md needs a reason: $out"
grep -q "imported 3 notes" "$E2E_ROOT/import1.err" || fail "import: no summary line on stderr"
ok "import: 3 notes; hidden folders passed over; empty and oversized files skipped with reasons"

notes=$(on a list --kind note --json --limit 500)
[ "$(echo "$notes" | jq '.entries | length')" = 3 ] || fail "list: expected 3 notes: $notes"
tags_of() { echo "$notes" | jq -c --arg t "$1" '.entries[] | select(.title == $t) | .tags | sort'; }
[ "$(tags_of "Resetting the VPN client")" = '["howto","imported","network","vpn"]' ] ||
    fail "vpn.md tags: $(tags_of "Resetting the VPN client")"
[ "$(tags_of "Nightly backups")" = '["backup","imported","ops-infra","runbook"]' ] ||
    fail "backups.md tags: $(tags_of "Nightly backups")"
[ "$(tags_of "Loose thoughts")" = '["imported","plain","ünïcode"]' ] ||
    fail "Loose thoughts.md tags: $(tags_of "Loose thoughts")"
echo "$out" | jq -e '[.warnings[].warning] | any(test("_underscore"))' >/dev/null ||
    fail "import: the invalid tag needs a warning: $out"
ok "titles from front matter, heading and file name; tags from front matter, text and --tag"

id=$(echo "$notes" | jq -r '.entries[] | select(.title == "Resetting the VPN client") | .id')
body=$(on a show "$id" --json | jq -r .entry.body)
[ "$body" = "$(printf '# Not the title\n\nQuit the client, then run `reset #notatag` and log in again. #howto')" ] ||
    fail "vpn.md body: $body"
id=$(echo "$notes" | jq -r '.entries[] | select(.title == "Nightly backups") | .id')
on a show "$id" --json | jq -e '.entry.body | startswith("# Nightly backups\n\nBackups run")' \
    >/dev/null || fail "backups.md body"
ok "bodies are the Markdown without the front matter"

# --- again: nothing new ------------------------------------------------------------------------
out=$(on a import "$v" --json 2>/dev/null)
echo "$out" | jq -e '.imported == 0 and ([.skipped[] | select(.reason | test("already"))] | length) == 3' \
    >/dev/null || fail "re-import: expected 3 duplicates skipped: $out"
[ "$(on a list --kind note --json | jq '.entries | length')" = 3 ] || fail "re-import made duplicates"
echo "A new one." >"$v/new.md"
dry=$(on a import "$v" --dry-run 2>/dev/null)
echo "$dry" | grep -q "would import new.md" || fail "dry run: $dry"
[ "$(on a list --kind note --json | jq '.entries | length')" = 3 ] || fail "the dry run posted"
out=$(on a import "$v" --json 2>/dev/null)
echo "$out" | jq -e '.imported == 1 and .notes[0].path == "new.md"' >/dev/null ||
    fail "import of one new file: $out"
ok "importing again adds only new files; --dry-run posts nothing"

# --- some Q&A to export --------------------------------------------------------------------------
q=$(on a ask "Which printer on floor 2?" --tag printing --body "The old one jams." | tail -n1)
an=$(on a answer "$q" --body "Use the one by the window." | tail -n1)
on a accept "$an" >/dev/null
on a comment "$q" --body "Facilities know more." >/dev/null
n=$(on a note "Coffee machine" --tag office --body "Descale it every Friday." | tail -n1)
on a comment "$n" --body "Vinegar works too." >/dev/null

x=$E2E_ROOT/export
out=$(on a export "$x" --json 2>"$E2E_ROOT/export.err")
echo "$out" | jq -e '.files == 6 and .entries == 9' >/dev/null || fail "export summary: $out"
[ "$(find "$x" -name '*.md' | wc -l)" = 6 ] || fail "export: expected 6 Markdown files"
grep -q "exported 9 entries" "$E2E_ROOT/export.err" || fail "export: no summary line on stderr"
[ "$(jq length "$x/lore-export.json")" = 9 ] || fail "lore-export.json: expected 9 entries"
jq -e 'all(.[]; .signature and .verified and .author and .created)' "$x/lore-export.json" \
    >/dev/null || fail "lore-export.json: entries lack fields"
f=$(ls "$x"/which-printer-on-floor-2-"${q:0:8}".md) || fail "export: no file for the question"
for field in "id: \"$q\"" 'kind: "question"' 'title: "Which printer on floor 2?"' \
    'author_name: "Alice"' 'tags: ["printing"]' 'status: "resolved"' "accepted: \"$an\"" \
    'created: "20'; do
    grep -qF "$field" "$f" || fail "export: $f lacks '$field'"
done
grep -q '^## Answer by Alice, .* UTC ✓ accepted$' "$f" || fail "export: no accepted answer heading"
grep -q '^## Comment by Alice' "$f" || fail "export: no comment heading"
grep -q 'Facilities know more.' "$f" || fail "export: the comment is missing"
ok "export: one file per question and note, front matter, replies inline, lore-export.json"

# Export again into the same folder (it holds lore-export.json); refuse a foreign non-empty one.
on a export "$x" >/dev/null 2>&1 || fail "export into an earlier export failed"
mkdir "$E2E_ROOT/other" && echo hi >"$E2E_ROOT/other/keep.txt"
if on a export "$E2E_ROOT/other" 2>"$E2E_ROOT/refuse.err"; then fail "export overwrote a folder"; fi
grep -q "refusing" "$E2E_ROOT/refuse.err" || fail "export: unclear refusal: $(cat "$E2E_ROOT/refuse.err")"
ok "export refuses a non-empty folder that is not an earlier export"

# Importing an export into the node it came from adds nothing.
out=$(on a import "$x" --json 2>/dev/null)
echo "$out" | jq -e '.imported == 0' >/dev/null || fail "re-importing an export: $out"
ok "an export imported into its own node adds nothing"

# --- round trip into a fresh node ----------------------------------------------------------------
start b
on b init --name Bob >/dev/null
out=$(on b import "$x" --json 2>/dev/null)
echo "$out" | jq -e '.imported == 6' >/dev/null || fail "round trip import: $out"
notes_of() { on "$1" list --kind note --json --limit 500 | jq -S '[.entries[] | {title, body}] | sort'; }
on a list --kind note --json --limit 500 | jq -S '[.entries[] | {title, body}] | sort' >"$E2E_ROOT/a.notes"
notes_of b | jq -S --slurpfile a "$E2E_ROOT/a.notes" '[.[] | select(. as $n | $a[0] | index($n))]' \
    >"$E2E_ROOT/b.notes"
diff -u "$E2E_ROOT/a.notes" "$E2E_ROOT/b.notes" >&2 || fail "round trip: note titles or bodies differ"
on b list --kind note --json | jq -e '[.entries[].title] | index("Which printer on floor 2?")' \
    >/dev/null || fail "round trip: the question's file was not imported as a note"
c=$(on b list --kind note --json | jq -r '.entries[] | select(.title == "Coffee machine") | .body')
[ "$c" = "Descale it every Friday." ] || fail "round trip: a note's comments leaked into it: $c"
ok "round trip: every note of a comes back to b with the same title and body"

# --- file names of non-ASCII titles keep their letters ----------------------------------------------
u=$(on a note "Naïve café question — Ünïcode/../x" --body "Accents stay." | tail -n1)
long=$(printf 'é%.0s' $(seq 40))
l=$(on a note "$long" --body "A long title of two-byte letters." | tail -n1)
on a export "$E2E_ROOT/export2" >/dev/null 2>&1 || fail "export of non-ASCII titles failed"
[ -f "$E2E_ROOT/export2/naïve-café-question-Ünïcode-x-${u:0:8}.md" ] ||
    fail "export: non-ASCII title's file: $(cd "$E2E_ROOT/export2" && ls | grep "${u:0:8}")"
f=$(cd "$E2E_ROOT/export2" && ls | grep "${l:0:8}")
[ "$f" = "$(printf 'é%.0s' $(seq 30))-${l:0:8}.md" ] || fail "export: long title's file: $f"
ok "export: file names keep UTF-8 letters, cut on a character boundary ($f)"

# --- embeds and dates: said per file, the date kept as the note's creation time ---------------------
v2=$E2E_ROOT/vault2
mkdir -p "$v2"
printf -- '---\ndate: 2023-04-05\n---\n# Floor plan\n\nSee ![[plan.png]] and ![[Rooms|small]].\n' \
    >"$v2/plan.md"
printf -- '---\ndate: 1999-12-31\n---\n# Old memo\n\nFrom the last century.\n' >"$v2/old.md"
out=$(on a import "$v2" --json 2>"$E2E_ROOT/import2.err")
echo "$out" | jq -e '.imported == 2' >/dev/null || fail "import of vault2: $out"
echo "$out" | jq -e '[.warnings[] | select(.path == "plan.md") | .warning] |
    any(test("embed") and test("plan.png") and test("Rooms"))' >/dev/null ||
    fail "import: no warning naming the embeds: $out"
grep -q "plan.md: .*embed" "$E2E_ROOT/import2.err" || fail "import: no embed warning line on stderr"
pid=$(echo "$out" | jq -r '.notes[] | select(.path == "plan.md") | .id')
on a show "$pid" --json | jq -e '.entry.created | startswith("2023-04-05")' >/dev/null ||
    fail "import: the date was not kept: $(on a show "$pid" --json | jq .entry.created)"
echo "$out" | jq -e '[.warnings[] | select(.path == "old.md") | .warning] | any(test("1999-12-31"))' \
    >/dev/null || fail "import: a date lore cannot keep needs a warning: $out"
ok "import: embeds named in a warning per file; date: kept as the creation time, or said why not"

# --- many files: batches in flight, and lookups between them ---------------------------------------
# 1,100 notes (three post_batch calls, one in flight while the next files are read); after the
# first 500, a file that is a copy of an export (its id is looked up: the batch in flight is
# answered first) and a duplicate of a note still queued (the queue is sent and answered first).
v3=$E2E_ROOT/vault3
mkdir -p "$v3"
for i in $(seq -w 1 1100); do printf '# Step %s\n\nRunbook step %s.\n' "$i" "$i" >"$v3/a$i.md"; done
cp "$f" "$v3/a0550x.md" 2>/dev/null || cp "$E2E_ROOT/export2/$f" "$v3/a0550x.md"
printf '# Step 0700\n\nRunbook step 0700.\n' >"$v3/a0700x.md"
before=$(on b status --json | jq .entries)
out=$(on b import "$v3" --json 2>"$E2E_ROOT/import3.err") || fail "import of vault3: $(tail -3 "$E2E_ROOT/import3.err")"
echo "$out" | jq -e '.imported == 1101' >/dev/null ||
    fail "import of 1,100 notes with an export copy and a duplicate: $(echo "$out" | jq -c '{imported, skipped}')"
echo "$out" | jq -e '[.skipped[] | select(.path == "a0700x.md")] | length == 1' >/dev/null ||
    fail "the duplicate of a queued note was not skipped: $(echo "$out" | jq -c .skipped)"
[ "$(($(on b status --json | jq .entries) - before))" = 1101 ] ||
    fail "b holds $(($(on b status --json | jq .entries) - before)) new entries, not 1,101"
echo "$out" | jq -r '.notes[].id' | sort -u | wc -l | grep -qx 1101 || fail "import: ids not 1,101 distinct"
ok "import: 1,100 notes in batches kept in flight; an export's lookup and a queued duplicate between them"

# --- edited and retracted notes: the duplicate check looks at what a note is now -------------------
# An edited note is known by its current title and body (the node looks the batch's titles up),
# not by its first ones; a retracted note is no duplicate of anything.
v4=$E2E_ROOT/vault4
mkdir -p "$v4"
printf -- '---\ntitle: Printer setup\n---\nOld words.\n' >"$v4/printer.md"
id=$(on a import "$v4" --json 2>/dev/null | jq -r '.notes[0].id')
[ ${#id} = 64 ] || fail "import of printer.md: no id"
on a edit "$id" --title "Printer setup, floor 2" --body "New words." >/dev/null || fail "edit $id"
printf -- '---\ntitle: Printer setup, floor 2\n---\nNew words.\n' >"$v4/current.md"
out=$(on a import "$v4" --json 2>/dev/null)
echo "$out" | jq -e '.imported == 1 and .notes[0].path == "printer.md" and
    ([.skipped[] | select(.path == "current.md" and (.reason | test("already imported")))] | length) == 1' \
    >/dev/null || fail "after an edit: expected printer.md imported, current.md skipped: $out"
on a retract "$(echo "$out" | jq -r '.notes[0].id')" >/dev/null || fail "retract"
out=$(on a import "$v4" --json 2>/dev/null)
echo "$out" | jq -e '.imported == 1 and .notes[0].path == "printer.md"' >/dev/null ||
    fail "after a retraction: expected printer.md imported again: $out"
ok "import: an edited note is known by its current title and body, a retracted one not at all"

# --- tags in any language (issue 16): a real vault's Korean and Turkish tags ------------------------
v5=$E2E_ROOT/vault5
mkdir -p "$v5"
cat >"$v5/etiket.md" <<'EOF'
---
tags: [ETİKET, "Café"]
---
# Etiketler ve 태그

Notlar #태그 ve #ETİKET, also #日本語。
EOF
out=$(on a import "$v5" --json 2>"$E2E_ROOT/import5.err") || fail "import of vault5: $(tail -3 "$E2E_ROOT/import5.err")"
echo "$out" | jq -e '.imported == 1 and (.warnings | length) == 0' >/dev/null || fail "import of Unicode tags: $out"
uid=$(echo "$out" | jq -r '.notes[0].id')
want='["café","eti̇ket","日本語","태그"]'
[ "$(on a show "$uid" --json | jq -c .entry.tags)" = "$want" ] ||
    fail "import: Unicode tags: $(on a show "$uid" --json | jq -c .entry.tags), not $want"
for t in 태그 '#태그' ETİKET 'eti̇ket' '#CAFÉ' 日本語; do
    [ "$(on a list --tag "$t" --json | jq -r '.entries[0].id')" = "$uid" ] || fail "list --tag $t does not find the note"
done
[ "$(on a search 태그 --json | jq -r '.results[0].entry.id')" = "$uid" ] || fail "search 태그 does not find the note"
on a export "$E2E_ROOT/export5" >/dev/null 2>&1 || fail "export with Unicode tags failed"
f5=$(grep -l "Etiketler ve" "$E2E_ROOT/export5"/*.md) || fail "export: no file for the Unicode-tagged note"
grep -qF 'tags: ["café", "eti̇ket", "日本語", "태그"]' "$f5" || fail "export: tags not written back: $(grep tags: "$f5")"
start c
on c init --name Carol >/dev/null
on c import "$E2E_ROOT/export5" --json >/dev/null 2>&1 || fail "import of the export with Unicode tags"
[ "$(on c list --tag 태그 --json | jq -r '.entries[0].title')" = "Etiketler ve 태그" ] ||
    fail "round trip: the Unicode tags did not come back"
ok "import: #태그, #ETİKET and front-matter tags normalised (NFC, lower case), listed and searched by any spelling, exported and imported back"

echo "$checks passed, 0 failed"
