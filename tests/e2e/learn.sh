#!/usr/bin/env bash
# Learning goals across real nodes (issue 16): Ada sets a goal on terraform and is shown Bob (who
# answered terraform questions) as an expert and Cy (who offers mentoring on it) as a mentor; Cy
# announces a session tagged terraform and Ada's watch gets it as for her; Dan sets the same goal
# and the circle lists Ada and Dan on every node; `stats --needs --json` is byte for byte the same
# on every node, with terraform's demand and supply right. Four people, four nodes (one identity
# a node, as the harness has it).
# usage: learn.sh LORED LORE
LORED=$1
LORE=$2
. "$(dirname "$0")/lib.sh"

start a
start b --peer "$(addr a)"
start c --peer "$(addr a)"
start d --peer "$(addr a)"
on a init --name Ada >/dev/null
on b init --name Bob >/dev/null
on c init --name Cy >/dev/null
on d init --name Dan >/dev/null
until_ok 15 "everyone knows everyone" bash -c \
    "'$LORE' --home '$(home a)' profile Dan >/dev/null && '$LORE' --home '$(home d)' profile Ada >/dev/null && '$LORE' --home '$(home b)' profile Cy >/dev/null && '$LORE' --home '$(home c)' profile Bob >/dev/null"

# --- the world before the goal: Bob answers terraform questions, Cy offers mentoring on it
q1=$(on c ask "How do I import existing state?" --tag terraform --body "The bucket exists already." | tail -n1)
until_ok 10 "b has q1" on b show "$q1"
a1=$(on b answer "$q1" --body "Run terraform import aws_s3_bucket.logs NAME, then plan." | tail -n1)
until_ok 10 "c has a1" on c show "$a1"
on c accept "$a1" >/dev/null
q2=$(on d ask "Plan shows drift on every run" --tag terraform --body "Nothing changed." | tail -n1)
on c mentor offer terraform --body "Happy to pair on modules." >/dev/null
until_ok 10 "a sees the accept, the offer and q2" bash -c \
    "'$LORE' --home '$(home a)' show '$q1' --json | jq -e '.entry.status == \"resolved\"' && '$LORE' --home '$(home a)' mentor find terraform --json | jq -e '.mentors[0].name == \"Cy\"' && '$LORE' --home '$(home a)' show '$q2'"

# --- Ada's goal, matched at once
g=$(on a learn terraform --why "We move our infrastructure to it this quarter." --json) ||
    fail "lore learn terraform"
jq -e '.matches[0].tag == "terraform" and .matches[0].experts[0].name == "Bob"' <<<"$g" >/dev/null ||
    fail "Bob is not suggested as an expert: $(jq -c '.matches[0].experts' <<<"$g")"
jq -e '.matches[0].mentors[0].name == "Cy"' <<<"$g" >/dev/null ||
    fail "Cy is not suggested as a mentor: $(jq -c '.matches[0].mentors' <<<"$g")"
jq -e --arg a "$a1" '.matches[0].content[0].entry.id == $a' <<<"$g" >/dev/null ||
    fail "the accepted answer is not the best content: $(jq -c '.matches[0].content' <<<"$g")"
jq -e '[.matches[0].experts[].name] | index("Cy") == null' <<<"$g" >/dev/null ||
    fail "Cy only offers mentoring: not an expert by demonstrated work"
on a learn show terraform | grep -q "Bob" || fail "learn show: no Bob"
on a learn | grep -q "#terraform .*We move our infrastructure" || fail "lore learn does not list the goal"
ok "learn: Ada's goal shows Bob as an expert, Cy as a mentor and the accepted answer"

# --- Cy's session on it is for Ada
LORE_HOME="$(home a)" "$LORE" watch --json >"$E2E_ROOT/watch" &
watcher=$!
until_ok 5 "Ada's watcher subscribed" bash -c \
    "'$LORE' --home '$(home a)' status --json | jq -e '.subscribers >= 1'"
until_ok 10 "c has Ada's goal" bash -c \
    "'$LORE' --home '$(home c)' circle terraform --json | jq -e '.members[0].name == \"Ada\"'"
s1=$(on c session announce "Terraform modules" --at +1d --where "Room 2" --tag terraform | tail -n1)
until_ok 10 "Ada's watch gets the session" bash -c \
    "grep -F '$s1' '$E2E_ROOT/watch' | jq -e 'select(.entry.id == \"$s1\") | .for_you and .reason == \"a session on your learning goal\"'"
kill "$watcher"
wait "$watcher" 2>/dev/null || true
ok "for me: Cy's session on terraform reaches Ada's watch as for her"

# --- Dan joins the circle; a member proposes a meeting, a non-member cannot
on d learn terraform >/dev/null || fail "Dan's goal"
for n in a b c d; do
    until_ok 10 "circle terraform on $n lists Ada and Dan" bash -c \
        "'$LORE' --home '$(home $n)' circle terraform --json | jq -e '[.members[].name] == [\"Ada\", \"Dan\"]'"
done
on b circle terraform | grep -q "2 members" || fail "circle text"
if on b session announce "Not mine" --at +2d --where "Room 3" --circle terraform 2>/dev/null; then
    fail "a non-member proposed a circle meeting"
fi
s2=$(on d session announce "Circle: state files" --at +2d --where "Room 3" --circle terraform | tail -n1)
until_ok 10 "a sees the circle meeting" bash -c \
    "'$LORE' --home '$(home a)' circle terraform --json | jq -e '[.sessions[] | select(.id == \"$s2\" and .circle == \"terraform\")] | length == 1'"
ok "circle: Ada and Dan on every node; Dan's circle meeting, Bob (no goal) refused"

# --- the needs map: the same on every node, terraform's numbers right
until_ok 30 "every node holds the same entries" same_count a b c d
for n in a b c d; do on "$n" stats --needs --json >"$E2E_ROOT/needs.$n"; done
for n in b c d; do
    cmp -s "$E2E_ROOT/needs.a" "$E2E_ROOT/needs.$n" ||
        fail "stats --needs differs on $n: $(diff "$E2E_ROOT/needs.a" "$E2E_ROOT/needs.$n")"
done
jq -e '.topics[0].tag == "terraform" and .topics[0].learners == 2 and .topics[0].asked == 2 and
       .topics[0].answered == 1 and .topics[0].experts == 1 and .topics[0].mentors == 1 and
       .topics[0].demand == 4 and .topics[0].supply == 2' "$E2E_ROOT/needs.a" >/dev/null ||
    fail "terraform's needs: $(jq -c '.topics[0]' "$E2E_ROOT/needs.a")"
on a stats --needs | grep -q "^#terraform " || fail "stats --needs text"
ok "stats --needs: identical on all four nodes; terraform: 2 learners + 2 questions vs 1 expert + 1 mentor"

# --- done ends the goal everywhere
# Ada asks, Bob answers, Ada asks Cy to mentor her: done lists and thanks them (once)
q3=$(on a ask "How do modules pass outputs?" --tag terraform | tail -n1)
until_ok 10 "b has q3" on b show "$q3"
on b answer "$q3" --body "Declare an output in the child, read module.NAME.OUTPUT." >/dev/null
on a mentor request Cy --tag terraform --body "Pair on modules?" >/dev/null || fail "mentor request"
until_ok 10 "a has Bob's answer" bash -c "'$LORE' --home '$(home a)' show '$q3' --json | jq -e '.answers | length == 1'"
done_out=$(on a learn done terraform --thank) || fail "learn done --thank: $done_out"
grep -q "Bob — answered your question “How do modules pass outputs?” (thanked)" <<<"$done_out" ||
    fail "learn done does not thank Bob: $done_out"
grep -q "Cy — mentored you (you asked them) (thanked)" <<<"$done_out" ||
    fail "learn done does not thank Cy: $done_out"
ok "learn done --thank: Bob (answered Ada's question) and Cy (mentor she asked) thanked"
until_ok 10 "b sees Ada leave the circle" bash -c \
    "'$LORE' --home '$(home b)' circle terraform --json | jq -e '[.members[].name] == [\"Dan\"]'"
ok "learn done: Ada leaves the circle on every node"
