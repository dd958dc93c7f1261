#!/usr/bin/env bash
# Desktop notifications (issue 12, item 2): `lore watch --mine --notify` sends
# org.freedesktop.Notifications.Notify on the session bus. A private dbus-daemon is the session
# bus and tests/tools/notify_listen owns the notification service and prints what it receives; the
# nodes, the CLI and the bus are real. The modes (all, urgent, off), quiet hours, a missing bus or
# server (one warning, the watch goes on) and a bus that restarts under a running watch.
# usage: notify.sh LORED LORE NOTIFY_LISTEN
LORED=$1
LORE=$2
LISTEN=$3
. "$(dirname "$0")/lib.sh"

. "$(dirname "$0")/bus.sh"

# watch_start [ARGS...]: Bob's `lore watch --mine --json` with ARGS, on the private bus.
watch_start() {
    : >"$E2E_ROOT/watch.out"
    : >"$E2E_ROOT/watch.err"
    DBUS_SESSION_BUS_ADDRESS=${WATCH_BUS:-$BUS} LORE_HOME="$(home B)" "$LORE" watch --mine --json \
        "$@" >"$E2E_ROOT/watch.out" 2>"$E2E_ROOT/watch.err" &
    watch_pid=$!
    until_ok 10 "the watch is subscribed" \
        bash -c "[ \$(LORE_HOME='$(home B)' '$LORE' status --json | jq .subscribers) -ge 1 ]"
}
watch_stop() { kill "$watch_pid" 2>/dev/null || true; wait "$watch_pid" 2>/dev/null || true; watch_pid=; }

# ask TITLE [ARGS...]: Ada asks in Bob's skill; prints the id once Bob's watch has printed it.
# The watch notifies before it prints an event (and Notify is a method call, answered after the
# server printed its line), so once the event is in watch.out, its notification is in notes or
# was never sent: no timed wait.
ask() {
    local t=$1 q
    shift
    q=$(on A ask "$t" --tag kubernetes --body "details of $t" "$@" 2>/dev/null | tail -n1)
    until_ok 10 "Bob's watch prints '$t'" grep -q "$q" "$E2E_ROOT/watch.out"
    echo "$q"
}
notes_for() { jq -c --arg t "$1" 'select(.body | contains($t))' "$E2E_ROOT/notes"; }
# sent / not_sent TITLE [ARGS...]: Ada asks; Bob's watch notified it, or did not.
sent() {
    ask "$@" >/dev/null
    [ -n "$(notes_for "$1")" ] || fail "no notification for '$1' (watch: $(cat "$E2E_ROOT/watch.err"))"
}
not_sent() {
    ask "$@" >/dev/null
    [ -z "$(notes_for "$1")" ] || fail "a notification for '$1': $(notes_for "$1")"
}
b_linked() { [ "$(on B status --json | jq .sync.peers_up)" -ge 1 ]; }
restart_b() { # restart Bob's node with lored ARGS, linked to Ada's again
    stop B
    start B --peer "$(addr A)" "$@"
    until_ok 30 "B linked to A again" b_linked
}

: >"$E2E_ROOT/notes"
bus_start
listen_start
start A
start B --peer "$(addr A)"
on A init --name "Ada" >/dev/null
on B init --name "Bob" >/dev/null
on B skills add kubernetes --level 4 >/dev/null
until_ok 10 "A and B in sync" same_ids A B

# 1. The default mode (all): every for-me event notifies; urgency 2 for an urgent one; the title
# goes as the body with markup escaped and control characters gone.
[ "$(on B status --json | jq -r .subscribers)" = 0 ] || fail "a watcher before the test"
watch_start --notify
ask 'Pods stuck <b>Pending</b> & no events' --urgent >/dev/null
n=$(notes_for 'Pods stuck')
[ -n "$n" ] || fail "no notification for the urgent question (watch: $(cat "$E2E_ROOT/watch.err"))"
echo "$n" | jq -e '.app_name == "lore" and .urgency == 2 and (.summary | test("Ada")) and
    (.summary | test("[Uu]rgent question")) and (.summary | test("in your areas")) and
    .body == "Pods stuck &lt;b&gt;Pending&lt;/b&gt; &amp; no events" and .expire_timeout >= 0' \
    >/dev/null || fail "the urgent notification is not as expected: $n"
ok "an urgent question in my skill: app lore, urgency 2, summary with author and reason, escaped body"
ask 'Which kubernetes version do we run' >/dev/null
n=$(notes_for 'Which kubernetes version')
echo "$n" | jq -e '.urgency == 1 and (.summary | test("Question from Ada"))' >/dev/null ||
    fail "mode all: no notification of urgency 1 for a question in my skill: '$n'"
ok "mode all (the default): a plain question in my skill notifies with urgency 1"
grep -q . "$E2E_ROOT/watch.err" && fail "the watch warned: $(cat "$E2E_ROOT/watch.err")"
watch_stop

# 2. --notify=urgent: only urgent requests (and direct asks).
watch_start --notify=urgent
not_sent 'Is the staging cluster shared'
sent 'The API server is down' --urgent
ok "--notify=urgent: the urgent question notifies, the plain one does not"
watch_stop

# 3. notify = off in the node's config: nothing is sent, the watch says so once and prints events.
restart_b --set notify=off
watch_start --notify
not_sent 'Etcd is out of space' --urgent
grep -q "notifications are off" "$E2E_ROOT/watch.err" || fail "notify = off: not said"
ok "notify = off: the urgent question is printed and nothing reaches the bus"
watch_stop
watch_start --notify=all
sent 'Ingress returns 502' --urgent
ok "--notify=all overrides notify = off"
watch_stop

# 4. Quiet hours around the current local time (and another window that is not now).
quiet() { # quiet FROM TO (relative to now, for date -d): Bob's node with those quiet hours
    from=$(date -d "$1" +%H:%M)
    to=$(date -d "$2" +%H:%M)
    restart_b --set notify=all --set "quiet_hours=$from-$to"
    watch_start --notify
}
quiet '-1 hour' '+1 hour'
not_sent 'Node pool will not scale' --urgent
ok "quiet hours $from-$to (now inside): nothing is sent"
watch_stop
quiet '+2 hours' '+3 hours'
sent 'Certificates expire tomorrow' --urgent
ok "quiet hours $from-$to (now outside): the notification is sent"
# A bad value is refused with a clear error.
if "$LORED" --home "$(home C)" --set quiet_hours=25:00-07:00 --print-config >"$E2E_ROOT/bad" 2>&1; then
    fail "quiet_hours=25:00-07:00 was accepted"
fi
grep -q "quiet_hours" "$E2E_ROOT/bad" || fail "the error does not name quiet_hours: $(cat "$E2E_ROOT/bad")"
ok "quiet_hours=25:00-07:00 is refused: $(head -n1 "$E2E_ROOT/bad")"

# 5. The bus goes away under the running watch and comes back: the watch reconnects.
listen_stop
bus_stop
bus_start
listen_start
sent 'DNS lookups time out in pods' --urgent
ok "the session bus restarted under the watch: it reconnected and the notification arrived"

# one_warning WHAT PATTERN TITLE: two urgent questions reach the running watch, which printed
# one warning (matching PATTERN) and nothing else, and is still running.
one_warning() {
    ask "$3" --urgent >/dev/null
    ask "$3 again" --urgent >/dev/null
    kill -0 "$watch_pid" || fail "the watch exited with $1"
    [ "$(grep -c . "$E2E_ROOT/watch.err")" = 1 ] || fail "$1: not one warning: $(cat "$E2E_ROOT/watch.err")"
    grep -qi "$2" "$E2E_ROOT/watch.err" || fail "$1: the warning does not say '$2'"
    ok "$1: one warning ($(cat "$E2E_ROOT/watch.err")), both events printed"
    watch_stop
}

# 6. No notification server on the bus: one warning, the watch goes on.
listen_stop
one_warning "no notification server" "org.freedesktop.Notifications" 'Helm rollback fails'

# 7. No session bus at all: one warning, the watch prints the events.
WATCH_BUS="unix:path=$E2E_ROOT/no-such-bus" watch_start --notify
one_warning "no session bus" "no session bus" 'Persistent volume stuck'

# 8. The user service, as configured beside lored.service: what it runs, when, and that systemd
# takes it (with the ExecStart of this build, since the installed path is not there yet).
unit=$(dirname "$LORE")/../lore-notify.service
[ -f "$unit" ] || fail "no lore-notify.service in the build directory"
grep -qx "ExecStart=.*/bin/lore watch --mine --notify" "$unit" || fail "the unit does not run the watch"
grep -qx "WantedBy=graphical-session.target" "$unit" || fail "the unit is not wanted by the session"
grep -qx "Restart=on-failure" "$unit" || fail "the unit is not restarted"
grep -q "^After=lored.service" "$unit" || fail "the unit does not start after the node"
if command -v systemd-analyze >/dev/null; then
    mkdir -p "$E2E_ROOT/units"
    sed "s|^ExecStart=[^ ]*|ExecStart=$(readlink -f "$LORE")|" "$unit" >"$E2E_ROOT/units/lore-notify.service"
    systemd-analyze verify --man=no "$E2E_ROOT/units/lore-notify.service" ||
        fail "systemd-analyze refuses lore-notify.service"
fi
ok "lore-notify.service runs lore watch --mine --notify after lored, in the graphical session"

echo "notify: $checks checks passed"
