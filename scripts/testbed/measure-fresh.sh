#!/usr/bin/env bash
# shellcheck disable=SC2016  # job scripts and inner shell code are written literally, in single quotes
# Time up.sh "from nothing" on a pristine Debian 12 without touching the testbed running on this machine:
# a debootstrap'ed minbase root (like a Debian 12 container image: no package lists, no services) is
# copied, then up.sh runs in it with chroot + private mount/uts/ipc/pid namespaces:
#   phase 1  UP_APT_ONLY=1 up.sh   apt-get update + install (host network: it downloads from Debian)
#   phase 2  up.sh                 start everything, in a private network namespace (own 127.0.0.1, so no
#                                  port clash with the real testbed); then up.sh again (idempotent run),
#                                  then stop-all.sh
# Everything started in phase 2 dies with its pid namespace. Needs root, ~2 GB in /var/tmp, network to
# deb.debian.org. Prints the three timings. FRESH_KEEP=1 keeps the copy; FRESH_SKIP_APT=1 then reuses it
# (phase 2 only, for debugging). (The network namespace gets a veth pair with 10.254.0.1, like
# the non-loopback address every real machine has.) Usage: measure-fresh.sh
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
BASE=${FRESH_BASE:-/var/tmp/clustrix-fresh-base}
ROOT=${FRESH_ROOT:-/var/tmp/clustrix-fresh}
HN=${FRESH_HOSTNAME:-citest}

apt_install debootstrap
if [ ! -x "$BASE/usr/bin/apt-get" ]; then
  log "debootstrap --variant=minbase bookworm $BASE (log: $TESTBED_LOG_DIR/debootstrap.log)"
  debootstrap --variant=minbase bookworm "$BASE" http://deb.debian.org/debian >"$TESTBED_LOG_DIR/debootstrap.log" 2>&1
fi
if [ "${FRESH_SKIP_APT:-0}" = 1 ] && [ -d "$ROOT" ]; then   # debugging phase 2: reuse a kept copy
  cp "$HERE"/*.sh "$ROOT/root/testbed/"; SKIP_APT=1
else
rm -rf "$ROOT"; cp -a "$BASE" "$ROOT"
rm -f "$ROOT/etc/apt/sources.list"
cat >"$ROOT/etc/apt/sources.list.d/debian.sources" <<'EOF'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
rm -rf "$ROOT/var/lib/apt/lists"; mkdir -p "$ROOT/var/lib/apt/lists/partial"
rm -f "$ROOT"/var/cache/apt/archives/*.deb
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
echo "$HN" >"$ROOT/etc/hostname"
printf '127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n' >"$ROOT/etc/hosts"
mkdir -p "$ROOT/root/testbed"; cp "$HERE"/*.sh "$ROOT/root/testbed/"
fi

# in_root NSFLAGS CMD: run CMD (bash) in the copy, as a freshly booted root with hostname $HN
in_root() {
  local flags=$1 cmd=$2
  # shellcheck disable=SC2086
  unshare $flags --fork bash -c '
    set -e
    R=$1; mount --make-rprivate /
    hostname "$2"
    mount -t proc proc "$R/proc"
    mount --rbind /dev "$R/dev"
    mount --rbind /sys "$R/sys"   # with the cgroup mounts of this machine (slurmd needs them)
    mount -t tmpfs tmpfs "$R/run"
    ip link set lo up 2>/dev/null || true
    # a private non-loopback IPv4 address: glibc (AI_ADDRCONFIG) returns no IPv4 at all without one
    if [ -z "$(ip -4 -o addr show scope global 2>/dev/null)" ]; then
      ip link add ns0 type veth peer name ns1 && ip addr add 10.254.0.1/24 dev ns0 && ip link set ns0 up && ip link set ns1 up
    fi
    exec chroot "$R" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=dumb LANG=C.UTF-8 \
      bash -c "cd /root/testbed && $3"' _ "$ROOT" "$HN" "$cmd"
}

t=$SECONDS
if [ -z "${SKIP_APT:-}" ]; then
  log "phase 1: UP_APT_ONLY=1 up.sh (apt-get update + install, from deb.debian.org)"
  in_root "--mount --uts --ipc --pid" "UP_APT_ONLY=1 ./up.sh"
fi
T1=$((SECONDS - t)); t=$SECONDS
log "phase 2: up.sh in a private network namespace, then again, then stop-all.sh"
in_root "--mount --uts --ipc --pid --net" \
  "s=\$SECONDS; ./up.sh; a=\$((SECONDS-s)); s=\$SECONDS; ./up.sh >/dev/null; b=\$((SECONDS-s)); ./stop-all.sh; echo \"FRESH-TIMES start=\$a again=\$b\"" \
  | tee "$TESTBED_LOG_DIR/measure-fresh.log"
T2=$((SECONDS - t))
[ "${FRESH_KEEP:-0}" = 1 ] || rm -rf "$ROOT"
log "apt part (update + install): ${T1} s; start from nothing + 2nd run + stop: ${T2} s; $(grep -o 'FRESH-TIMES.*' "$TESTBED_LOG_DIR/measure-fresh.log")"
