#!/bin/bash
# The Debian package, tested as an office installs it (scripts/setup test runs this as root):
#   package.sh ROOTS OLD.deb NEW.deb
# ROOTS holds two Debian 12 roots that scripts/setup prepared (minbase, and systemd: minbase with
# systemd, D-Bus, logind and avahi-daemon), the packages lore needs already in their apt caches.
# Each runs as a container (systemd-nspawn) with no network but a link inside it: nothing leaves.
#   1. lintian on the package: no error.
#   2. minbase (tests/package/in_minbase.sh): apt install, lored --version, man lore; a node
#      started and upgraded by `scripts/setup install`; apt remove leaves no file behind.
#   3. systemd, booted: two users (ada, bob) log in (lingering); the package's user unit starts
#      their nodes at login, inside its sandbox; they find each other through avahi-daemon over
#      the system D-Bus and sync; the web interface logs in and serves; ada upgrades with
#      `scripts/setup install` (through sudo) and both nodes restart on the new version with their
#      data; apt remove stops them, leaves no file behind and leaves both homes as they were.
set -euo pipefail
roots=$1 old=$2 new=$3
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
work=$(mktemp -d /tmp/lore-pkg-XXXXXX)
boot_pid=
checks=0
ok() { checks=$((checks + 1)); echo "ok $checks - $*"; }
fail() {
    echo "FAIL: $*" >&2
    if [ -n "$spid" ]; then
        echo "--- the container's journal (last 40 lines):" >&2
        in_b "journalctl --no-pager -n 40" >&2 || true
    fi
    exit 1
}
spid=
cleanup() {
    if [ -n "$boot_pid" ]; then
        kill "$boot_pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$boot_pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$boot_pid" 2>/dev/null || true
    fi
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
[ "$(id -u)" = 0 ] || { echo "package.sh: needs root (containers)"; exit 77; }
ver() { dpkg-deb -f "$1" Version; }
nspawn() { systemd-nspawn -q --register=no --keep-unit --private-network "$@"; }

# 1. lintian: no error (warnings are listed in docs/PACKAGING.md, each with why).
lintian --fail-on error "$old" >"$work/lintian" 2>&1 ||
    { cat "$work/lintian"; fail "lintian reports errors"; }
ok "lintian: no error ($(grep -c '^W:' "$work/lintian" || true) warnings)"

# 2. The fresh minbase root.
cp -a "$roots/minbase" "$work/min"
mkdir -p "$work/pkg/scripts"
cp "$old" "$new" "$work/pkg/"
cp "$here/scripts/setup" "$work/pkg/scripts/"
nspawn -D "$work/min" --bind-ro="$work/pkg:/pkg" --bind-ro="$here/tests/package:/t" \
    /bin/bash /t/in_minbase.sh "$(basename "$old")" "$(basename "$new")" ||
    fail "in the minbase root"
ok "minbase root: install, man, upgrade by scripts/setup install, remove, purge"

# 3. The systemd root, booted.
cp -a "$roots/systemd" "$work/sys"
cp -a "$work/pkg" "$work/sys/opt/lore"
# nspawn puts a FIFO over /proc/kmsg (for the container's journal); systemd cannot then hide
# /proc/kmsg from a unit with ProtectKernelLogs= ("Failed to mount .../inaccessible/fifo to
# .../proc/kmsg: No such file or directory"). Only here: on a host /proc/kmsg is the kernel's.
mkdir -p "$work/sys/etc/systemd/user/lored.service.d"
printf '[Service]\n# the test container only (tests/package/package.sh)\nProtectKernelLogs=no\n' \
    >"$work/sys/etc/systemd/user/lored.service.d/nspawn.conf"
setsid systemd-nspawn -q --register=no --keep-unit --private-network -D "$work/sys" -b \
    >"$work/boot.log" 2>&1 </dev/null &
boot_pid=$!
for _ in $(seq 100); do
    spid=$(pgrep -P "$boot_pid" -x systemd 2>/dev/null || true)
    [ -n "$spid" ] && break
    sleep 0.1
done
[ -n "$spid" ] || { cat "$work/boot.log"; fail "the systemd root did not boot"; }
in_b() { nsenter -t "$spid" -a -- /bin/bash -c "$1"; }
as() { local u=$1; shift; in_b "cd /home/$u && runuser -u $u -- env XDG_RUNTIME_DIR=/run/user/\$(id -u $u) $*"; }
for _ in $(seq 100); do # until its manager answers, then until it has started everything
    state=$(in_b "systemctl is-system-running --wait" 2>/dev/null || true)
    [ -n "$state" ] && break
    sleep 0.2
done
case $state in running | degraded) ;; *) fail "the container's systemd is $state" ;; esac
# A link inside the container for mDNS (avahi ignores loopback): one end with an address.
in_b "ip link add v0 type veth peer name v1 && ip link set v1 up && ip link set v0 up &&
      ip addr add 10.77.9.1/24 dev v0 && systemctl restart avahi-daemon" ||
    fail "no network inside the container"
ok "a Debian 12 root booted: systemd $state, avahi-daemon on the system D-Bus"

in_b "DEBIAN_FRONTEND=noninteractive apt-get install -y -qq /opt/lore/$(basename "$old")" \
    >"$work/apt.log" 2>&1 || { cat "$work/apt.log"; fail "apt install in the systemd root"; }
in_b "useradd -m -s /bin/bash ada && useradd -m -s /bin/bash bob &&
      echo 'ada ALL=(ALL) NOPASSWD: ALL' >/etc/sudoers.d/ada"
# bob's node beside ada's on the same machine: other ports (an office has one node a machine)
in_b "install -d -o bob -g bob -m 0700 /home/bob/.config/lore &&
      printf 'listen = 0.0.0.0:5674\nweb_listen = 127.0.0.1:5681\n' >/home/bob/.config/lore/lore.conf &&
      chown bob:bob /home/bob/.config/lore/lore.conf && chmod 600 /home/bob/.config/lore/lore.conf"
# They log in: a lingering user's manager starts now, as at a login.
in_b "loginctl enable-linger ada bob"
for u in ada bob; do
    for _ in $(seq 100); do as $u lore status >/dev/null 2>&1 && break; sleep 0.1; done
    as $u lore status >/dev/null 2>&1 || fail "$u's node did not start at login"
done
ok "at login, lored.service started for ada and bob (enabled for every user by the package)"

# The sandbox holds: the unit's options are on the running node.
pid=$(as ada lore status --json | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')
in_b "grep -q '^NoNewPrivs:[[:space:]]*1' /proc/$pid/status && grep -q '^Seccomp:[[:space:]]*2' /proc/$pid/status" ||
    fail "ada's node runs without no_new_privs or a seccomp filter"
[ "$(in_b "awk '{print \$1, \$2, \$3}' /proc/$pid/uid_map")" = "1000 1000 1" ] ||
    fail "ada's node is not in a user namespace of its own: $(in_b "cat /proc/$pid/uid_map")"
in_b "install -d -o ada -m 0700 /home/ada/Documents && echo private >/home/ada/Documents/salary.txt"
in_b "nsenter -t $pid -m -- test -e /home/ada/Documents/salary.txt" &&
    fail "the node sees ada's other files"
in_b "nsenter -t $pid -m -- ls /home/bob" >/dev/null 2>&1 && fail "the node sees bob's home"
in_b "nsenter -t $pid -m -- touch /home/ada/probe 2>/dev/null; test ! -e /home/ada/probe" ||
    fail "the node can write in ada's home"
in_b "nsenter -t $pid -m -- touch /usr/probe" 2>/dev/null && fail "the node can write in /usr"
in_b "nsenter -t $pid -m -- touch /home/ada/.local/share/lore/probe && rm /home/ada/.local/share/lore/probe" ||
    fail "the node cannot write its own data directory"
exposure=$(in_b "runuser -u ada -- env XDG_RUNTIME_DIR=/run/user/1000 systemd-analyze security --user lored.service --no-pager" |
    sed -n 's/.*Overall exposure level for lored.service: \([0-9.]*\).*/\1/p')
ok "ada's node is sandboxed: no_new_privs, seccomp, own user namespace; of the homes it sees only" \
    "lore's directories (not ada's other files, not bob's home), /usr read-only;" \
    "systemd-analyze security --user lored.service: exposure $exposure"

# A team, found through avahi-daemon, and an entry that reaches the other node.
as ada lore init --name Ada >/dev/null
as bob lore init --name Bob >/dev/null
code=$(as ada lore team create Office | tail -n1)
as bob lore team join "$code" --no-wait >/dev/null || fail "bob could not join"
# bob's node publishes once it has joined (avahi probes its name first: about a second)
for _ in $(seq 30); do
    in_b "avahi-browse -t -r -p _lore._tcp" >"$work/browse" 2>&1 || true
    # resolved services ('=' lines), by name: one per node, whatever the interfaces
    [ "$(grep '^=' "$work/browse" | cut -d';' -f4 | sort -u | wc -l)" -ge 2 ] && break
    sleep 0.5
done
[ "$(grep '^=' "$work/browse" | cut -d';' -f4 | sort -u | wc -l)" -ge 2 ] ||
    { cat "$work/browse"; fail "avahi does not show both nodes"; }
for _ in $(seq 150); do
    as bob lore peers --json | grep -q '"found_by": *"mdns"' && break
    sleep 0.2
done
as bob lore peers --json | grep -q '"found_by": *"mdns"' ||
    { as bob lore peers; fail "bob's node did not find ada's through mDNS"; }
id=$(as ada lore ask "'Who renews the VPN certificate?'" --tag vpn --urgent --body "'written before the upgrade'" --json |
    sed -n 's/.*"id": *"\([0-9a-f]*\)".*/\1/p' | head -n1)
for _ in $(seq 100); do as bob lore show "$id" >/dev/null 2>&1 && break; sleep 0.1; done
as bob lore show "$id" >/dev/null 2>&1 || fail "ada's question did not reach bob"
ok "both nodes published through avahi-daemon (system D-Bus), bob found ada by mDNS, ada's question reached bob"

# The web interface: lore web's address logs in, and the home page lists the question.
url=$(as ada lore web | tail -n1)
hostport=${url#http://}
hostport=${hostport%%/*}
path=/${url#http://*/}
web() { # web PATH [COOKIE]: one request to ada's node, from inside the container
    { printf 'GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n' "$1" "$hostport"
      [ -z "${2:-}" ] || printf 'Cookie: %s\r\n' "$2"
      printf '\r\n'; } |
        in_b "exec 3<>/dev/tcp/127.0.0.1/${hostport##*:}; cat >&3; cat <&3"
}
resp=$(web "$path")
echo "$resp" | head -n1 | grep -q " 303 " || fail "login: $(echo "$resp" | head -n1)"
cookie=$(echo "$resp" | sed -n 's/^Set-Cookie: \([^;]*\);.*/\1/ip' | head -n1 | tr -d '\r')
[ -n "$cookie" ] || fail "no session cookie"
resp=$(web / "$cookie")
echo "$resp" | head -n1 | grep -q " 200 " || fail "home page: $(echo "$resp" | head -n1)"
echo "$resp" | grep -q "Who renews the VPN certificate" || fail "the home page does not list the question"
ok "web interface in the sandbox: lore web's link logged in (303, cookie), the home page lists the question"

# The upgrade, as ada does it: scripts/setup install (sudo apt-get); both nodes restart.
key_a=$(as ada lore status --json | sed -n 's/.*"public_key": *"\([0-9a-f]*\)".*/\1/p')
pid_b=$(as bob lore status --json | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')
as ada /opt/lore/scripts/setup install "/opt/lore/$(basename "$new")" >"$work/setup.log" 2>&1 ||
    { cat "$work/setup.log"; fail "scripts/setup install (the upgrade)"; }
for u in ada bob; do
    for _ in $(seq 100); do
        as $u lore status --json 2>/dev/null | grep -q "\"version\": *\"$(ver "$new")\"" && break
        sleep 0.1
    done
    as $u lore status --json | grep -q "\"version\": *\"$(ver "$new")\"" ||
        fail "$u's node does not run $(ver "$new") after the upgrade"
done
[ "$(as ada lore status --json | sed -n 's/.*"public_key": *"\([0-9a-f]*\)".*/\1/p')" = "$key_a" ] ||
    fail "ada's identity changed in the upgrade"
[ "$(as bob lore status --json | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')" != "$pid_b" ] ||
    fail "bob's node was not restarted"
as ada lore show "$id" | grep -q "written before the upgrade" || fail "ada's question is gone"
as bob lore answer "$id" --body "'Facilities renew it in March.'" >/dev/null || fail "bob could not answer"
for _ in $(seq 150); do as ada lore show "$id" | grep -q "Facilities renew it" && break; sleep 0.2; done
as ada lore show "$id" | grep -q "Facilities renew it" || fail "bob's answer did not reach ada after the upgrade"
ok "upgraded to $(ver "$new") by scripts/setup install: ada's and bob's nodes restarted on it, same" \
    "identity, the question kept, bob's answer reached ada"

# Remove: the nodes stop, no file of the package is left, the homes are as they were.
in_b "dpkg -L lore" >"$work/files"
# (the SQLite log and shared-memory files go when a node closes its replica as it stops)
homes() { in_b "find /home/ada/.local/share/lore /home/bob/.local/share/lore -type f ! -name '*-wal' ! -name '*-shm' | sort ${1:-}"; }
homes >"$work/homes.before"
in_b "DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq lore" >"$work/apt.log" 2>&1 ||
    { cat "$work/apt.log"; fail "apt remove"; }
for u in ada bob; do
    [ "$(as $u systemctl --user is-active lored.service)" != active ] || fail "$u's node still runs"
done
left=$(in_b "while read -r f; do if [ -d \"\$f\" ] && [ ! -L \"\$f\" ]; then
                 case \$f in */lore | */lore/*) echo \"\$f\" ;; esac
             elif [ -e \"\$f\" ] || [ -L \"\$f\" ]; then echo \"\$f\"; fi; done" <"$work/files")
[ -z "$left" ] || fail "apt remove left: $left"
in_b "ls /etc/systemd/user/*/lored.service /etc/systemd/user/*/lore-notify.service" 2>/dev/null &&
    fail "apt remove left the enablement links"
homes "| xargs sha256sum" >"$work/homes.after"
in_b "DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq lore" >"$work/apt.log" 2>&1 ||
    { cat "$work/apt.log"; fail "apt purge"; }
homes "| xargs sha256sum" >"$work/homes.purged"
# (a node writes its replica as it stops: the files are compared before and after the removal,
# their bytes before and after the purge)
grep -q 'ada/.local/share/lore/replica.db$' "$work/homes.before" &&
    grep -q 'bob/.local/share/lore/identity/secret.key$' "$work/homes.before" || fail "no data in the homes?"
diff "$work/homes.before" <(awk '{print $2}' "$work/homes.after") ||
    fail "apt remove changed which files the users have"
cmp -s "$work/homes.after" "$work/homes.purged" || fail "apt purge changed the users' data"
ok "apt remove stopped both nodes and left none of the $(wc -l <"$work/files") paths of dpkg -L;" \
    "both users' replicas and identities stay (the same files after remove, the same bytes after purge)"
echo "package: $checks checks passed"
