#!/usr/bin/env bash
# Another Unix user poses as a person's node (issue 10, item 2). Without XDG_RUNTIME_DIR the socket
# lives in /tmp/lore-UID, which anyone may create first. The CLI must check the directory, the
# socket and the listener's uid before it sends a byte: each impostor below must receive 0 bytes.
# Needs root (to act as three users); prints SKIP and exits 77 otherwise.
# usage: impostor.sh LORED LORE
set -euo pipefail
LORED=$1
LORE=$2
PY=/usr/bin/python3
if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null || [ ! -x "$PY" ]; then
    echo "SKIP: needs root, setpriv and $PY to act as other users"
    exit 77
fi

victim=$((40000 + $$ % 20000)) # the person; no such user needs to exist
thief=65534                     # nobody: the other user
run=/tmp/lore-$victim
tmp=$(mktemp -d /tmp/lore-impostor-XXXXXX)
chmod 755 "$tmp"
pids=()
checks=0
cleanup() {
    local p
    for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$tmp" "$run"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { checks=$((checks + 1)); echo "ok $checks - $*"; }
as() { # as UID CMD...: run as that user, no groups
    local uid=$1
    shift
    setpriv --reuid="$uid" --regid="$uid" --clear-groups "$@"
}

# The binaries where every user can run them (the build tree may be private).
mkdir "$tmp/bin" "$tmp/home" "$tmp/ipc"
chmod 1777 "$tmp/ipc" # where impostors write what they got
cp "$LORED" "$LORE" "$tmp/bin/"
chmod 755 "$tmp/bin" "$tmp/bin/"*
chown "$victim:$victim" "$tmp/home"
vlore() { # the victim's CLI, with the default runtime directory
    as "$victim" env -i PATH=/usr/bin:/bin HOME="$tmp/home" "$tmp/bin/$(basename "$LORE")" "$@"
}

# The impostor: listen on $run/lored.sock, count every byte any client sends.
# usage: impostor.py SOCKET COUNTFILE READYFILE CHOWN_UID|- SETUID|-
cat >"$tmp/impostor.py" <<'EOF'
import os, socket, sys
path, count, ready, chown_uid, setuid = sys.argv[1:6]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path)
os.chmod(path, 0o777)
if chown_uid != "-":
    os.chown(path, int(chown_uid), int(chown_uid))
if setuid != "-":  # SO_PEERCRED reports who called listen()
    os.setgroups([])
    os.setresgid(int(setuid), int(setuid), int(setuid))
    os.setresuid(int(setuid), int(setuid), int(setuid))
s.listen(8)
open(ready, "w").close()
total = 0
while True:
    c, _ = s.accept()
    c.settimeout(2)
    try:
        while True:
            d = c.recv(65536)
            if not d:
                break
            total += len(d)
            with open(count, "w") as f:
                f.write(str(total))
    except socket.timeout:
        pass
    c.close()
EOF
chmod 644 "$tmp/impostor.py"

# impostor NAME WHO CHOWN SETUID: start it as WHO (setpriv execs: $! is the impostor); waits until
# it listens.
impostor() {
    local name=$1 who=$2 chown=$3 setuid=$4 i
    setpriv --reuid="$who" --regid="$who" --clear-groups "$PY" "$tmp/impostor.py" "$run/lored.sock" "$tmp/ipc/$name.count" "$tmp/ipc/$name.ready" \
        "$chown" "$setuid" 2>"$tmp/$name.err" &
    pids+=($!)
    for i in $(seq 100); do
        [ -e "$tmp/ipc/$name.ready" ] && return 0
        sleep 0.05
    done
    fail "impostor $name did not start: $(cat "$tmp/$name.err")"
}

# expect_refused NAME WHAT: the CLI must fail with a message naming the path, and send nothing.
expect_refused() {
    local name=$1 what=$2 rc=0
    vlore team join ABCD-EFGH-JKMN-PQRS-TVWX >"$tmp/$name.out" 2>"$tmp/$name.cli" || rc=$?
    [ "$rc" != 0 ] || fail "$name: the CLI succeeded talking to an impostor"
    sleep 0.3 # let the impostor write down anything it got
    [ ! -s "$tmp/ipc/$name.count" ] ||
        fail "$name: the impostor received $(cat "$tmp/ipc/$name.count") bytes ($(cat "$tmp/$name.cli"))"
    grep -q "$what" "$tmp/$name.cli" || fail "$name: the message does not say '$what': $(cat "$tmp/$name.cli")"
    grep -q "$run" "$tmp/$name.cli" || fail "$name: the message does not name $run: $(cat "$tmp/$name.cli")"
    ok "$name: refused, impostor got 0 bytes: $(head -c 300 "$tmp/$name.cli")"
    kill -9 "${pids[-1]}" 2>/dev/null || true
    wait "${pids[-1]}" 2>/dev/null || true
    rm -rf "$run"
}

rm -rf "$run"

# 1. The other user made /tmp/lore-VICTIM first (open to all) and listens in it.
as "$thief" mkdir -m 755 "$run"
as "$thief" chmod 777 "$run"
impostor foreign_dir "$thief" - -
expect_refused foreign_dir "owned by uid $thief"

# 2. The directory is the victim's, but anyone may write into it; the other user put a socket there.
mkdir -m 777 "$run"
chown "$victim:$victim" "$run"
chmod 777 "$run"
impostor open_dir "$thief" - -
expect_refused open_dir "0777"

# 3. A private directory of the victim's, with a socket file that belongs to someone else.
mkdir -m 700 "$run"
chown "$victim:$victim" "$run"
impostor foreign_socket 0 "$thief" "$thief"
expect_refused foreign_socket "owned by uid $thief"

# 4. Directory and socket file look right, but the process listening is another user's.
mkdir -m 700 "$run"
chown "$victim:$victim" "$run"
impostor foreign_listener 0 "$victim" "$thief"
expect_refused foreign_listener "uid $thief"

# 5. The real node, run by the victim in the same place, is still reached.
setpriv --reuid="$victim" --regid="$victim" --clear-groups \
    env -i PATH=/usr/bin:/bin HOME="$tmp/home" "$tmp/bin/$(basename "$LORED")" \
    --listen 127.0.0.1:0 --set mdns=off >"$tmp/lored.log" 2>&1 &
pids+=($!)
for i in $(seq 200); do
    vlore status >/dev/null 2>&1 && break
    [ "$i" = 200 ] && fail "the victim's own node is not reached: $(vlore status 2>&1; cat "$tmp/lored.log")"
    sleep 0.05
done
[ "$(stat -c %u "$run")" = "$victim" ] || fail "lored did not make $run"
ok "the person's own node in $run is reached as before"
kill -TERM "${pids[-1]}"
wait "${pids[-1]}" || fail "the person's node did not exit cleanly"

echo "impostor: $checks checks passed"
