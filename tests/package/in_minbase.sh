#!/bin/bash
# Runs inside a fresh Debian 12 minbase root (a container with no network; tests/package/package.sh
# starts it): install the package with apt, use it, upgrade it the way `scripts/setup node` does,
# then remove and purge it. /pkg holds the two .debs (OLD, then NEW) and scripts/setup.
set -euo pipefail
old=$1 new=$2
checks=0
ok() { checks=$((checks + 1)); echo "ok $checks - $*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive HOME=/root LANG=C.UTF-8
ver() { dpkg-deb -f "$1" Version; }

# 1. apt installs it, with only Debian's own packages (from the apt cache: there is no network).
apt-get install -y -qq "/pkg/$old" >/tmp/apt.log 2>&1 || { tail /tmp/apt.log; fail "apt install"; }
dpkg-query -W -f='${Status}' lore | grep -q 'install ok installed' || fail "lore is not installed"
# every package but lore is one the Debian archive has (apt marks the others ",local")
non_debian=$(apt list --installed 2>/dev/null | grep ',local\]' | grep -v '^lore/' || true)
[ -z "$non_debian" ] || fail "packages not from Debian's archive: $non_debian"
apt list --installed 2>/dev/null | grep -q '^lore/.*,local\]' || fail "apt does not list lore"
ok "apt install ./$(basename "$old") in a fresh minbase root: $(dpkg-query -W -f='${Version}' lore)"

got=$(lored --version)
[ "$got" = "lored $(ver "/pkg/$old")" ] || fail "lored --version says '$got'"
ok "$got"
apt-get install -y -qq man-db >/tmp/apt.log 2>&1 || { tail /tmp/apt.log; fail "apt install man-db"; }
man -P cat lore 2>/dev/null | grep -q "lore - " || fail "man lore shows no page"
man -P cat lored 2>/dev/null | grep -q "lored" || fail "man lored shows no page"
[ -s /usr/share/bash-completion/completions/lore ] || fail "no bash completion"
ok "man lore, man lored and the bash completion are installed"
[ -L /etc/systemd/user/default.target.wants/lored.service ] ||
    fail "lored.service is not enabled for every user"
ok "lored.service enabled for every user (/etc/systemd/user/default.target.wants)"

# 2. A node on it, started by scripts/setup install (no systemd here: it starts lored itself).
/pkg/scripts/setup install "/pkg/$old" >/tmp/setup.log 2>&1 || { cat /tmp/setup.log; fail "setup install"; }
lore init --name "Ada" >/dev/null
key=$(lore status --json | sed -n 's/.*"public_key": *"\([0-9a-f]*\)".*/\1/p')
pid1=$(lore status --json | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')
id=$(lore ask "Where is the VPN certificate kept?" --tag vpn --body "before the upgrade" --json |
    sed -n 's/.*"id": *"\([0-9a-f]*\)".*/\1/p' | head -n1)
[ -n "$id" ] && [ -n "$key" ] || fail "could not write before the upgrade"
ok "node up on $(ver "/pkg/$old"): asked $id as $key"

# 3. scripts/setup install again, with the newer package: an upgrade in place.
/pkg/scripts/setup install "/pkg/$new" >/tmp/setup.log 2>&1 || { cat /tmp/setup.log; fail "setup install (upgrade)"; }
st=$(lore status --json)
echo "$st" | grep -q "\"version\": *\"$(ver "/pkg/$new")\"" || fail "the node runs $(echo "$st" | head -c 300)"
pid2=$(echo "$st" | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')
[ "$pid2" != "$pid1" ] || fail "the node was not restarted ($pid1)"
echo "$st" | grep -q "\"public_key\": *\"$key\"" || fail "the identity changed"
lore show "$id" | grep -q "before the upgrade" || fail "the question written before the upgrade is gone"
ok "upgraded to $(ver "/pkg/$new"): node restarted (pid $pid1 -> $pid2), same key, the question is there"

# 4. Remove: no file of the package is left, and the user's data is untouched.
lore stop >/dev/null
dpkg -L lore >/tmp/files
apt-get remove -y -qq lore >/tmp/apt.log 2>&1 || { tail /tmp/apt.log; fail "apt remove"; }
left=0
while read -r f; do
    # directories the package shares with others (/usr, /usr/bin...) stay, as they should
    if [ -d "$f" ] && [ ! -L "$f" ]; then
        case $f in */lore | */lore/*) echo "left: $f"; left=1 ;; esac
    elif [ -e "$f" ] || [ -L "$f" ]; then
        echo "left: $f"
        left=1
    fi
done </tmp/files
[ "$left" = 0 ] || fail "apt remove left files of the package behind"
for f in /etc/systemd/user/default.target.wants/lored.service \
    /etc/systemd/user/graphical-session.target.wants/lore-notify.service; do
    [ ! -e "$f" ] && [ ! -L "$f" ] || fail "apt remove left $f"
done
ok "apt remove: none of the $(wc -l </tmp/files) paths dpkg -L listed is left, nor the enablement links"
[ -s /root/.local/share/lore/replica.db ] && [ -s /root/.local/share/lore/identity/secret.key ] ||
    fail "apt remove touched the user's replica or identity"
apt-get purge -y -qq lore >/tmp/apt.log 2>&1 || { tail /tmp/apt.log; fail "apt purge"; }
[ -s /root/.local/share/lore/replica.db ] && [ -s /root/.local/share/lore/identity/secret.key ] ||
    fail "apt purge touched the user's replica or identity"
ok "apt remove and apt purge left the user's replica and identity in their home"
echo "in_minbase: $checks checks passed"
