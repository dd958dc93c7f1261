# A private session bus for tests (sourced after lib.sh): a dbus-daemon of our own and
# tests/tools/notify_listen, which owns org.freedesktop.Notifications and prints one JSON line per
# notification to $E2E_ROOT/notes. Nothing reaches the desktop session of whoever runs the tests.
# Needs LISTEN (the notify_listen binary). Exits 77 (skip) where dbus-daemon is not installed.
command -v dbus-daemon >/dev/null || { echo "SKIP: dbus-daemon is not installed"; exit 77; }

BUS="unix:path=$E2E_ROOT/bus"
bus_pid=
listen_pid=
watch_pid=
bus_cleanup() {
    local p
    for p in $watch_pid $listen_pid $bus_pid; do kill -9 "$p" 2>/dev/null || true; done
    e2e_cleanup
}
trap bus_cleanup EXIT

bus_start() { # a session bus at the same address each time (in the foreground: its own pid)
    rm -f "$E2E_ROOT/bus"
    : >"$E2E_ROOT/bus.addr"
    dbus-daemon --session --nofork --print-address --address="$BUS" >"$E2E_ROOT/bus.addr" 2>&1 &
    bus_pid=$!
    until_ok 10 "the session bus is up" grep -q "unix:path" "$E2E_ROOT/bus.addr"
}
bus_stop() { kill "$bus_pid"; wait "$bus_pid" 2>/dev/null || true; bus_pid=; }
listen_start() { # the notification server; its JSON lines go to $E2E_ROOT/notes
    : >"$E2E_ROOT/listen.err"
    DBUS_SESSION_BUS_ADDRESS=$BUS "$LISTEN" >>"$E2E_ROOT/notes" 2>"$E2E_ROOT/listen.err" &
    listen_pid=$!
    until_ok 10 "the notification server owns its name" grep -q ready "$E2E_ROOT/listen.err"
}
listen_stop() { kill "$listen_pid" 2>/dev/null || true; wait "$listen_pid" 2>/dev/null || true; listen_pid=; }
