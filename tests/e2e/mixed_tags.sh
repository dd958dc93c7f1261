#!/usr/bin/env bash
# Tags in any language in a team that upgrades node by node (issue 16 item 6a, docs/PROTOCOL.md
# *Features*): a real lored of the version before them (OLD_REV) beside two upgraded nodes.
# A and B are upgraded, O is old; the links are A-B and B-O (static, no exchange, no mDNS), so
# what O gets of A's is relayed by B. A holds 1,100 notes, every tenth with tags like #태그, when
# O joins: O bootstraps by stream from B. Then A and B post more while O is up (pushes, IHAVE,
# fetches, reconciliation), among them an edit that gives an ordinary note a Korean tag.
# O gets every ordinary entry and none of the others, nobody counts an invalid entry or shuns
# anyone, O keeps asking for what it lacks without a penalty, and A and B get everything.
# usage: mixed_tags.sh LORED LORE SOURCE_DIR
# The old lored is built once from SOURCE_DIR's git history into ~/.cache/lore-tests (or taken
# from $LORE_OLD_LORED); without the history or a working build the test is skipped (77).
LORED=$1
LORE=$2
SRC=$3
OLD_REV=1f13722 # main before FEATURES: validates tags as ASCII
. "$(dirname "$0")/lib.sh"

skip() {
    echo "SKIP: $*"
    exit 77
}

# The old lored, built from OLD_REV once per machine (the plain and the sanitizer builds share it).
old_lored() {
    local cache=${XDG_CACHE_HOME:-$HOME/.cache}/lore-tests/lored-$OLD_REV t0
    if [ -n "${LORE_OLD_LORED:-}" ]; then
        [ -x "$LORE_OLD_LORED" ] || skip "LORE_OLD_LORED=$LORE_OLD_LORED is not an executable"
        OLD_LORED=$LORE_OLD_LORED
        return 0
    fi
    OLD_LORED=$cache/lored
    mkdir -p "$cache" || skip "cannot create $cache"
    exec 9>"$cache/.lock"
    flock 9 # two builds (plain, ASan) running this test at once build it once
    if [ ! -x "$OLD_LORED" ]; then
        command -v git >/dev/null || skip "git is not installed: cannot get lored $OLD_REV"
        git -C "$SRC" cat-file -e "$OLD_REV^{commit}" 2>/dev/null ||
            skip "commit $OLD_REV is not in $SRC's git history (a shallow clone or a source tarball)"
        t0=$(date +%s)
        rm -rf "$cache/src" "$cache/build"
        mkdir -p "$cache/src"
        git -C "$SRC" archive "$OLD_REV" | tar -x -C "$cache/src" || skip "git archive $OLD_REV failed"
        # No optimisation and no debug information: it only has to run, and builds fastest so.
        if ! { cmake -S "$cache/src" -B "$cache/build" -DCMAKE_BUILD_TYPE= >"$cache/build.log" 2>&1 &&
            cmake --build "$cache/build" -j2 --target lored >>"$cache/build.log" 2>&1; }; then
            tail -n 5 "$cache/build.log"
            skip "lored $OLD_REV did not build (log: $cache/build.log)"
        fi
        cp "$cache/build/bin/lored" "$OLD_LORED.tmp" && mv "$OLD_LORED.tmp" "$OLD_LORED"
        rm -rf "$cache/src" "$cache/build"
        echo "   (built lored $OLD_REV in $(($(date +%s) - t0)) s, kept in $cache)"
    fi
    exec 9>&-
}
old_lored
t_start=$(date +%s%N)

nx="--set peer_exchange=off --set mdns=off"
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
a_addr="127.0.0.1:$(free_port)"
b_addr="127.0.0.1:$(free_port)"

start a $nx --listen "$a_addr"
on a init --name "Ada" >/dev/null
start b $nx --listen "$b_addr" --peer "$a_addr"
on b init --name "Bob" >/dev/null

# A's history: 1,100 notes in two batches, every tenth tagged in Korean or Turkish (some with an
# ASCII tag beside), the rest with ASCII tags only.
batch() { # batch FROM TO: post_batch of notes FROM..TO-1
    python3 - "$1" "$2" <<'EOF'
import json, sys
lo, hi = int(sys.argv[1]), int(sys.argv[2])
posts = []
for i in range(lo, hi):
    if i % 10 == 0:
        tags = [["태그"], ["ETİKET", "printing"], ["#日本語"]][i // 10 % 3]
        title = "Unicode note %d" % i
    else:
        tags = ["printing", "vpn"] if i % 2 else ["c++"]
        title = "Plain note %d" % i
    posts.append({"kind": "note", "title": title, "body": "body %d" % i, "tags": tags})
print(json.dumps({"op": "post_batch", "entries": posts}, ensure_ascii=False))
EOF
}
for r in "0 550" "550 1100"; do
    # shellcheck disable=SC2086
    out=$(api a "$(batch $r)")
    [ "$(echo "$out" | jq .stored)" = 550 ] || fail "post_batch on a: $(echo "$out" | head -c 300)"
done
on a list --tag 태그 --json --limit 500 | jq -e '.entries | length == 37' >/dev/null ||
    fail "a does not list its 37 notes tagged 태그"
until_ok 60 "b has a's 1,100 notes" same_ids a b
ok "two upgraded nodes exchange notes with tags in any language (1,100 notes, 110 such)"

# O, the old node, joins by dialling B: it holds far fewer than B, so it asks B for a stream.
LORED=$OLD_LORED start o $nx --peer "$b_addr" --set log_level=debug
on o init --name "Olga" >/dev/null

# The API in one python process a call (each start costs): api.py SOCKET list prints "ID true"
# for each entry listed whose (current) tags are all ASCII by the old rule and "ID false" for
# the others (500 a request, through every page); api.py SOCKET [PAUSE] sends the requests on
# stdin (one JSON a line), PAUSE seconds apart, and prints each answer's id (or "-").
cat >"$E2E_ROOT/api.py" <<'EOF'
import json, re, socket, sys, time
def ask(req):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sys.argv[1])
    s.sendall(json.dumps(req).encode() + b"\n")
    buf = b""
    while not buf.endswith(b"\n"):
        chunk = s.recv(1 << 16)
        if not chunk:
            break
        buf += chunk
    s.close()
    return json.loads(buf)
if sys.argv[2:] == ["list"]:
    plain, offset = re.compile(r"^[a-z0-9][a-z0-9.+#_-]*$"), 0
    while True:
        entries = ask({"op": "list", "limit": 500, "offset": offset, "brief": True})["entries"]
        for e in entries:
            print(e["id"], "true" if all(plain.match(t) for t in e["tags"]) else "false")
        if len(entries) < 500:
            break
        offset += 500
else:
    for line in sys.stdin:
        print(ask(json.loads(line)).get("id", "-"), flush=True)
        time.sleep(float(sys.argv[2]) if len(sys.argv) > 2 else 0)
EOF
apis() { python3 "$E2E_ROOT/api.py" "$(home "$1")/run/lored.sock" "${@:2}"; }
listing() { apis "$1" list; }
plain_ids() { listing "$1" | awk '$2 == "true" { print $1 }' | sort; }
unicode_ids() { listing "$1" | awk '$2 == "false" { print $1 }' | sort; }
o_has_plain() { [ "$(plain_ids o)" = "$(plain_ids b)" ]; } # O holds exactly B's ordinary entries
until_ok 60 "o has every ordinary note" o_has_plain
grep -q "bootstrapping by stream" "$(home o)/lored.log" || fail "o did not bootstrap by stream"
[ "$(plain_ids o | wc -l)" -ge 990 ] || fail "o lists only $(plain_ids o | wc -l) ordinary entries"
[ -z "$(unicode_ids o)" ] || fail "o lists entries with tags in any language"
ok "the old node bootstrapped by stream and holds all 990 ordinary notes"

# Now live: A writes ordinary and Unicode-tagged entries, B too, and A edits an ordinary note to
# give it a Korean tag (a revision carries the new tags).
edited=$(on a list --tag c++ --json --limit 1 | jq -r '.entries[0].id')
mapfile -t live_a < <(apis a <<EOF
{"op":"post","kind":"question","title":"Plain live 1","tags":["printing"]}
{"op":"post","kind":"question","title":"태그 live 1","tags":["태그"]}
{"op":"post","kind":"question","title":"Plain live 2","tags":["printing"]}
{"op":"post","kind":"question","title":"태그 live 2","tags":["태그"]}
{"op":"post","kind":"question","title":"Plain live 3","tags":["printing"]}
{"op":"post","kind":"question","title":"태그 live 3","tags":["태그"]}
{"op":"edit","id":"$edited","tags":["c++","태그"]}
EOF
)
mapfile -t live_b < <(apis b <<EOF
{"op":"post","kind":"note","title":"Plain from b 1","body":"x","tags":["vpn"]}
{"op":"post","kind":"note","title":"ETİKET from b 1","body":"x","tags":["ETİKET","vpn"]}
{"op":"post","kind":"note","title":"Plain from b 2","body":"x","tags":["vpn"]}
{"op":"post","kind":"note","title":"ETİKET from b 2","body":"x","tags":["ETİKET","vpn"]}
{"op":"post","kind":"note","title":"Plain from b 3","body":"x","tags":["vpn"]}
{"op":"post","kind":"note","title":"ETİKET from b 3","body":"x","tags":["ETİKET","vpn"]}
EOF
)
live=("${live_a[0]}" "${live_a[2]}" "${live_a[4]}" "${live_b[0]}" "${live_b[2]}" "${live_b[4]}")
rev=${live_a[6]}
[ ${#rev} = 64 ] || fail "edit on a gave no revision"
for id in "${live_a[@]}" "${live_b[@]}"; do [ ${#id} = 64 ] || fail "a live post failed"; done
t0=$(date +%s%N)
for id in "${live[@]}"; do
    until_ok 15 "o has live entry ${id:0:8}" on o show "$id"
done
echo "   (the old node had the 6 live ordinary entries after $((($(date +%s%N) - t0) / 1000000)) ms)"
until_ok 30 "a and b agree on everything" same_ids a b
ok "live: the old node gets ordinary entries from A (relayed by B) and from B"

# Let a few reconciliations run (sync_interval 2 s): O finds the withheld entries missing each time.
sleep 6
total_b=$(entries b)
total_o=$(entries o)
unicode_b=$(unicode_ids b)
[ "$(echo "$unicode_b" | wc -l)" -ge 117 ] || fail "b lists only $(echo "$unicode_b" | wc -l) entries with tags in any language"
[ -z "$(unicode_ids o)" ] || fail "o lists entries with tags in any language"
[ -z "$(comm -12 <(echo "$unicode_b") <(listing o | cut -d' ' -f1 | sort | grep -v "^$edited\$"))" ] ||
    fail "o holds entries that b lists with tags in any language"
# The edited note: O keeps its version before the edit; A and B show the Korean tag.
[ "$(on o show "$edited" --json | jq -c .entry.tags)" = '["c++"]' ] ||
    fail "o shows the edited note as $(on o show "$edited" --json | jq -c .entry.tags)"
echo "$unicode_b" | grep -qx "$edited" || fail "b does not list the edited note with its Korean tag"
! on o show "$rev" >/dev/null 2>&1 || fail "o holds the revision with a Korean tag"
echo "   (entries: a $(entries a), b $total_b, o $total_o)"
ok "the old node holds none of the entries with tags in any language (nor the revision adding one)"

# Nobody misbehaved in anyone's eyes: no entry refused as invalid, nobody shunned, links up.
# (invalid_received also counts frames no entry is in, such as a HELLO proof over a challenge a
# re-made connection made stale, one each and no offence: printed, not asserted.)
for n in a b o; do
    peers=$(on "$n" peers --json)
    echo "$peers" | jq -e '[.peers[] | select(.state == "up")] | length >= 1' >/dev/null ||
        fail "$n has no link up: $(echo "$peers" | jq -c .peers)"
    echo "$peers" | jq -e '[.peers[] | select(.state == "shunned")] | length == 0' >/dev/null ||
        fail "$n shunned a peer: $(echo "$peers" | jq -c .peers)"
    [ "$(on "$n" status --json | jq .sync.invalid)" = 0 ] || fail "$n refused entries as invalid"
    ! grep -E "invalid entry from|ignoring it for" "$(home "$n")/lored.log" ||
        fail "$n refused an entry as invalid or shunned a peer"
    echo "   ($n: invalid frames received per peer: $(echo "$peers" | jq -c '[.peers[] | .invalid_received]'))"
done
if [ "$(on o peers --json | jq '[.peers[].invalid_received] | add')" != 0 ]; then
    grep -E "does not verify|presence|reconciliation message|invalid message" "$(home o)/lored.log" | head -n 5
fi
# B knows O takes no Unicode tags (O sent no FEATURES), A and B know each other does.
on b peers --json | jq -e '[.peers[] | select(.name == "Olga" and .unicode_tags == false and .withheld > 0)] | length == 1' \
    >/dev/null || fail "b's view of o: $(on b peers --json | jq -c '[.peers[] | {name, unicode_tags, withheld}]')"
on b peers --json | jq -e '[.peers[] | select(.name == "Ada" and .unicode_tags == true and .withheld == 0)] | length == 1' \
    >/dev/null || fail "b's view of a: $(on b peers --json | jq -c '[.peers[] | {name, unicode_tags, withheld}]')"
on a peers --json | jq -e '[.peers[] | select(.unicode_tags == true)] | length == 1' >/dev/null ||
    fail "a does not see b's FEATURES"
echo "   (b withheld from o: $(on b peers --json | jq '.peers[] | select(.name == "Olga") | .withheld') times)"
ok "no node counted an invalid entry or shunned a peer; b withholds from o only"

# A restarts: the A-B link comes up again, both send FEATURES again, a new entry flows.
stop a
start a $nx --listen "$a_addr"
q=$(api a '{"op":"post","kind":"question","title":"태그 after a restart","tags":["태그"]}' | jq -r .id)
until_ok 15 "b has a's Unicode-tagged question after a's restart" on b show "$q"
on a peers --json | jq -e '[.peers[] | select(.unicode_tags == true)] | length == 1' >/dev/null ||
    fail "after its restart, a does not see b's FEATURES"
ok "after a restart the upgraded nodes announce FEATURES again and exchange tags in any language"

# O is upgraded in place (its data, the new lored) while B keeps posting Unicode-tagged notes:
# it announces FEATURES, and reconciliation brings it all B withheld; posts that race its link
# coming up (pushed before its FEATURES arrived) come too.
stop o
api b '{"op":"post","kind":"note","title":"태그 while o upgrades","body":"x","tags":["태그"]}' >/dev/null
start o $nx --peer "$b_addr"
for i in 1 2 3 4 5 6 7 8 9 10; do
    echo '{"op":"post","kind":"note","title":"태그 as o comes up '$i'","body":"x","tags":["태그"]}'
done | apis b 0.03 | grep -qx -- - && fail "a post on b as o came up failed"
all_ids() { listing "$1" | cut -d' ' -f1 | sort; }
same_all() { [ "$(entries o)" = "$(entries b)" ] && [ "$(all_ids o)" = "$(all_ids b)" ]; }
until_ok 30 "the upgraded o has every entry b has" same_all
on o peers --json | jq -e '[.peers[] | select(.unicode_tags == true)] | length == 1' >/dev/null ||
    fail "the upgraded o does not see b's FEATURES"
[ "$(on o status --json | jq .sync.invalid)" = 0 ] || fail "the upgraded o counted invalid entries"
ok "the old node upgraded in place gets everything it was not sent ($(entries o) entries)"

echo "   (mixed team test: $((($(date +%s%N) - t_start) / 1000000)) ms without the old build)"
echo "$checks passed, 0 failed"
