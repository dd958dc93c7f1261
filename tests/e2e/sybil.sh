#!/usr/bin/env bash
# Issue 10 item 7: one code holder mints 20 identities with fresh keys (certificates made straight
# from the join code, no node needed) and each upvotes, thanks and endorses one member. That
# member's `top` points, `who-knows` score and endorsers move by no more than one honest member's
# upvote, thanks and endorsement moved them. Vouching (`lore team vouch`) makes a member's
# recognition count fully; an unvouched member counts with the others of its code.
# usage: sybil.sh LORED LORE LORE_FILL
LORED=$1
LORE=$2
LORE_FILL=$3
. "$(dirname "$0")/lib.sh"

nx="--set peer_exchange=off"
start a $nx
start b $nx --peer "$(addr a)"
start c $nx --peer "$(addr a)"
start d $nx --peer "$(addr a)"
on a init --name Ann >/dev/null
on b init --name Bob >/dev/null
on c init --name Cid >/dev/null
on d init --name Dee >/dev/null
q=$(on c ask "How do I renew the VPN certificate?" --tag vpn | tail -n1)
until_ok 10 "b has c's question" on b show "$q"
ans=$(on b answer "$q" --body "Run vpnctl renew, then restart the client." | tail -n1)
bkey=$(on b status --json | jq -r .public_key)
until_ok 10 "a b c d in sync" same_ids a b c d

# What a node says of Bob: top points, endorsers of vpn (profile), who-knows vpn score.
points() { on "$1" top --json | jq --arg b "$bkey" '[.people[] | select(.key == $b) | .points] | add // 0'; }
endorsers() { on "$1" profile Bob --json | jq '[.profile.skills[] | select(.tag == "vpn") | .endorsers] | add // 0'; }
score() { on "$1" who-knows vpn --json | jq --arg b "$bkey" '[.people[] | select(.key == $b) | .score] | add // 0'; }
measure() { echo "$(points "$1") $(endorsers "$1") $(score "$1")"; }
read -r p0 e0 s0 <<<"$(measure a)"

# One honest member (the admin) upvotes, thanks and endorses Bob.
on a vote "$ans" up >/dev/null
on a thank "$ans" >/dev/null
on a endorse Bob vpn >/dev/null
read -r p1 e1 s1 <<<"$(measure a)"
echo "   (one honest member: points $p0 -> $p1, endorsers $e0 -> $e1, who-knows score $s0 -> $s1)"
[ "$p1" -gt "$p0" ] && [ "$e1" -gt "$e0" ] || fail "the honest member's recognition did not count"

# 20 identities minted from the join code, injected into d's replica (d spreads them).
stop d
"$LORE_FILL" "$(home d)/data/replica.db" 0 --authors 20 --seed 7 --code "$(code)" \
    --recognize "$ans" --tag vpn >/dev/null
start d $nx --peer "$(addr a)"
sybils_on_a() { [ "$(on a team show --json | jq '.team.members | length')" -ge 24 ] && same_ids a d; }
until_ok 20 "a has the 20 identities and their recognition" sybils_on_a
for n in a b c; do
    read -r p2 e2 s2 <<<"$(measure $n)"
    echo "   (on $n after 20 minted identities: points $p2, endorsers $e2, who-knows score $s2)"
    [ $((p2 - p1)) -le $((p1 - p0)) ] || fail "on $n, 20 identities moved Bob's points by $((p2 - p1)) (one member: $((p1 - p0)))"
    [ $((e2 - e1)) -le $((e1 - e0)) ] || fail "on $n, 20 identities moved Bob's endorsers by $((e2 - e1)) (one member: $((e1 - e0)))"
    awk -v a="$s2" -v b="$s1" -v c="$s0" 'BEGIN { exit !(a - b <= (b - c) * 1.001 + 0.001) }' ||
        fail "on $n, 20 identities moved Bob's who-knows score by $s2 - $s1 (one member: $s1 - $s0)"
done
ok "20 identities minted from one code move Bob's points, endorsers and who-knows score by at most what one honest member did"

# Cid, a member nobody vouched for, joined with the same code: his recognition counts with the
# 20 identities' (they already gave what one person can). The admin vouches for him: it counts.
on c vote "$ans" up >/dev/null
on c thank "$ans" >/dev/null
on c endorse Bob vpn >/dev/null
until_ok 10 "a has Cid's recognition" same_ids a c
read -r p3 e3 s3 <<<"$(measure a)"
[ "$p3 $e3" = "$p2 $e2" ] || fail "an unvouched member's recognition counted apart from its code's pool: $p2 $e2 -> $p3 $e3"
on a team vouch Cid | grep -q "You vouch for 1 person: Cid" || fail "vouch did not say whom"
until_ok 10 "d knows Cid is vouched" bash -c "LORE_HOME=$(home d) $LORE team show --json | jq -e '.team.members[] | select(.name == \"Cid\") | .vouched'"
for n in a d; do
    read -r p4 e4 s4 <<<"$(measure $n)"
    [ "$p4" -eq $((p3 + 15)) ] && [ "$e4" -eq $((e3 + 1)) ] ||
        fail "on $n, Cid's recognition does not count once an admin vouched for him: $p3 $e3 -> $p4 $e4"
done
[ "$(on a team show --json | jq '[.team.members[] | select(.vouched)] | length')" -eq 1 ] ||
    fail "more than Cid are vouched"
on a team show | grep -q "Cid.* vouched" || fail "team show does not mark Cid vouched"
ok "an unvouched member counts with its code's pool; an admin's vouch makes him count on every node"

# A member's own vouches count in what that member sees, nowhere else: d vouches for everyone it
# knows (the 20 identities too).
on d team vouch --all | grep -q "You vouch for 2[0-9] people" || fail "vouch --all"
until_ok 10 "a has d's vouch" same_ids a d
[ "$(points d)" -eq 200 ] || fail "on d, the identities d vouched for do not count: $(points d)"
[ "$(points a)" -eq "$p4" ] || fail "on a, a member's vouch changed the points: $(points a)"
ok "a member's vouch counts only for that member (d: $(points d) points; a: $(points a))"

# A rotation carries every member over (the roster is not where trust is decided: leaving
# someone out would remove all they wrote); the identities stay one person's worth.
code2=$(on a team rotate | tail -n1)
q2=$(post b "asked after the rotation")
until_ok 10 "b's question reaches a after the rotation" on a show "$q2"
[ "$(points a)" -eq "$p4" ] || fail "after the rotation, Bob's points on a changed: $(points a)"
ok "after a rotation, members keep syncing and the minted identities still weigh one person"

# The self-boost through Sybil askers: 20 identities minted from the (new) code each ask a
# question tagged backup, Bob answers all 20 through the CLI, and each identity accepts Bob's
# answer. That moves Bob's `top` points and `who-knows backup` score by no more than one honest
# asker's question and accept did, and earns no "10 accepted answers" badge.
bscore() { on "$1" who-knows backup --json | jq --arg b "$bkey" '[.people[] | select(.key == $b) | .score] | add // 0'; }
declare -A P5 S5 P6 S6
for n in a b c; do read -r "P5[$n]" "S5[$n]" <<<"$(points $n) $(bscore $n)"; done
qh=$(on c ask "Where are last week's backups?" --tag backup | tail -n1)
until_ok 10 "b has Cid's question" on b show "$qh"
ah=$(on b answer "$qh" --body "On the NAS, under /backup/weekly." | tail -n1)
until_ok 10 "c has Bob's answer" on c show "$ah"
on c accept "$ah" >/dev/null
until_ok 10 "a b c have Cid's accept" same_ids a b c
for n in a b c; do
    read -r "P6[$n]" "S6[$n]" <<<"$(points $n) $(bscore $n)"
    echo "   (on $n, one honest asker: points ${P5[$n]} -> ${P6[$n]}, who-knows backup score ${S5[$n]} -> ${S6[$n]})"
    [ "${P6[$n]}" -gt "${P5[$n]}" ] || fail "on $n, the honest accept did not count in top"
done
stop d
"$LORE_FILL" "$(home d)/data/replica.db" 0 --authors 20 --seed 8 --code "$code2" --ask backup |
    head -n 20 >"$E2E_ROOT/sybil_questions"
start d $nx --peer "$(addr a)"
[ "$(wc -l <"$E2E_ROOT/sybil_questions")" -eq 20 ] || fail "lore_fill --ask did not print 20 ids"
until_ok 30 "b has the 20 minted questions" same_ids b d
: >"$E2E_ROOT/sybil_answers"
while read -r q; do
    on b answer "$q" --body "Restore it with backupctl restore, then check the checksum." |
        tail -n1 >>"$E2E_ROOT/sybil_answers"
done <"$E2E_ROOT/sybil_questions"
until_ok 30 "d has Bob's 20 answers" same_ids b d
stop d
accept_args=()
while read -r ans2; do accept_args+=(--accept "$ans2"); done <"$E2E_ROOT/sybil_answers"
"$LORE_FILL" "$(home d)/data/replica.db" 0 --authors 20 --seed 8 "${accept_args[@]}" >/dev/null
start d $nx --peer "$(addr a)"
until_ok 30 "a b c have the 20 accepts" same_ids a b c d
[ "$(on b show "$(head -n1 "$E2E_ROOT/sybil_questions")" --json | jq -r .entry.status)" = resolved ] ||
    fail "a minted asker's accept did not resolve its question"
for n in a b c; do
    read -r p7 s7 <<<"$(points $n) $(bscore $n)"
    echo "   (on $n after 20 minted askers, 20 answers and 20 accepts: points $p7, who-knows backup score $s7)"
    [ $((p7 - P6[$n])) -le $((P6[$n] - P5[$n])) ] ||
        fail "on $n, 20 minted askers moved Bob's points by $((p7 - P6[$n])) (one honest asker: $((P6[$n] - P5[$n])))"
    awk -v a="$s7" -v b="${S6[$n]}" -v c="${S5[$n]}" 'BEGIN { exit !(a - b <= (b - c) * 1.001 + 0.001) }' ||
        fail "on $n, 20 minted askers moved Bob's who-knows score by $s7 - ${S6[$n]} (one honest asker: ${S6[$n]} - ${S5[$n]})"
    on $n top --json | jq -e --arg b "$bkey" '[.people[] | select(.key == $b) | .badges[]] | index("10 accepted answers") | not' >/dev/null ||
        fail "on $n, 20 minted askers' accepts earned Bob the \"10 accepted answers\" badge"
done
ok "20 minted askers accepting Bob's 20 answers move his points and who-knows score by at most one honest asker's question and accept"

# A member who answers their own questions shows no expertise by it.
read -r s8 <<<"$(bscore b)"
for i in 1 2 3; do
    own=$(on b ask "Bob asks himself about backups, $i" --tag backup | tail -n1)
    on b answer "$own" --body "Bob answers himself, $i." >/dev/null
done
s9=$(bscore b) # scores decay by the second: compare with a margin far below one answer's 3
awk -v a="$s8" -v b="$s9" 'BEGIN { exit !(b < a + 0.01) }' || fail "answering his own 3 questions moved Bob's who-knows score from $s8 to $s9"
ok "answers to one's own questions do not count in who-knows"

echo "$checks passed, 0 failed"
