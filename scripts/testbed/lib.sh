# Shared helpers for the testbed scripts (sourced, not run). Debian 12, run as root, no systemd.
# Sets: TESTBED_DIR (default /tmp/clustrix-testbed), TESTBED_LOG_DIR (default $TESTBED_DIR/logs).
# shellcheck shell=bash disable=SC2034  # variables here are used by the scripts that source this file
TESTBED_DIR=${TESTBED_DIR:-/tmp/clustrix-testbed}
TESTBED_LOG_DIR=${TESTBED_LOG_DIR:-$TESTBED_DIR/logs}
APT_LOG=$TESTBED_LOG_DIR/apt.log
export DEBIAN_FRONTEND=noninteractive
_TB_NAME=$(basename "$0")

log() { echo "[$_TB_NAME] $*"; }
die() { echo "[$_TB_NAME] ERROR: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "run as root (it installs packages and starts daemons)"
mkdir -p "$TESTBED_LOG_DIR"

# pid_of PIDFILE COMM: print the PID in PIDFILE if that process is alive and is COMM
pid_of() {
  local pid
  [ -f "$1" ] || return 1
  pid=$(cat "$1" 2>/dev/null) || return 1
  [ -n "$pid" ] && [ "$(cat /proc/"$pid"/comm 2>/dev/null)" = "$2" ] || return 1
  echo "$pid"
}

# stop_pidfile COMM PIDFILE: stop that daemon (only if the PID really is it), wait, SIGKILL after 10 s
stop_pidfile() {
  local pid
  if pid=$(pid_of "$2" "$1"); then
    log "stopping $1 (pid $pid)"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then log "$1 still alive after 10 s: SIGKILL"; kill -9 "$pid" 2>/dev/null || true; fi
  fi
  return 0
}

# wait_until SECONDS CMD...: retry CMD every 0.2 s until it succeeds; false on timeout
wait_until() {
  local n=$(($1 * 5)); shift
  for _ in $(seq 1 "$n"); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  return 1
}

# tcp_open PORT: true if something accepts connections on 127.0.0.1:PORT
tcp_open() { (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null; }

_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
_apt_update() {
  log "apt-get update (log: $APT_LOG)"
  apt-get update -q -o DPkg::Lock::Timeout=300 >>"$APT_LOG" 2>&1 || { tail -20 "$APT_LOG" >&2; die "apt-get update failed"; }
}
# apt_has PKG...: true if apt knows every PKG (package lists present)
apt_has() { local p; for p in "$@"; do apt-cache show --no-all-versions "$p" >/dev/null 2>&1 || return 1; done; }

# apt_install PKG...: install the missing ones quietly (output appended to $APT_LOG), without starting
# services (policy-rc.d exit 101). Runs `apt-get update` first if the lists lack a package, and once
# more if the install fails (stale lists).
apt_install() {
  local missing=() p t0=$SECONDS own_policy=
  for p in "$@"; do _installed "$p" || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "apt: installing ${missing[*]} (log: $APT_LOG)"
  apt_has "${missing[@]}" || _apt_update
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; own_policy=1
  fi
  local ok=1
  _apt_get_install "${missing[@]}" || { _apt_update; _apt_get_install "${missing[@]}" || ok=; }
  [ -n "$own_policy" ] && rm -f /usr/sbin/policy-rc.d
  [ -n "$ok" ] || { tail -30 "$APT_LOG" >&2; die "apt-get install ${missing[*]} failed (full log: $APT_LOG)"; }
  log "apt: done in $((SECONDS - t0)) s"
}
_apt_get_install() {
  echo "=== $(date -Is) apt-get install $*" >>"$APT_LOG"
  apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=300 \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$@" >>"$APT_LOG" 2>&1
}

# Debian packages each script needs (up.sh installs them all in one apt transaction)
SSH_PKGS=(openssh-server openssh-sftp-server openssh-client)
SLURM_PKGS=(munge slurmctld slurmd slurm-client)
SLURMDBD_PKGS=(slurmdbd mariadb-server)
SGE_PKGS=(gridengine-master gridengine-exec gridengine-client)
PBS_PKGS=(libslurm-perl libslurmdb-perl libswitch-perl)
# OpenPBS (openpbs.sh): build deps for the vendored source + PostgreSQL for its datastore
OPENPBS_PKGS=(gcc g++ make patch libtool autoconf automake pkg-config libhwloc-dev libx11-dev libxt-dev
  libedit-dev libical-dev libncurses-dev libpq-dev python3-dev tcl-dev tk-dev swig libexpat1-dev libssl-dev
  libxext-dev libxft-dev zlib1g-dev postgresql postgresql-contrib python3 procps openssh-client munge libmunge-dev)

# install_torque_wrappers PREFIX: the Perl deps from apt, and the qsub/qstat/qdel/... wrappers of
# slurm-wlm-torque unpacked into PREFIX/bin (apt-installing it would remove gridengine-client: both own
# /usr/bin/qsub). No-op when PREFIX/bin/qsub exists.
install_torque_wrappers() {
  local prefix=$1 t
  apt_install "${PBS_PKGS[@]}"
  [ -x "$prefix/bin/qsub" ] && return 0
  log "unpacking slurm-wlm-torque into $prefix (log: $APT_LOG)"
  apt_has slurm-wlm-torque || _apt_update
  t=$(mktemp -d); chmod 777 "$t"   # apt-get download runs as _apt and must write there
  (cd "$t" && apt-get download -q slurm-wlm-torque >>"$APT_LOG" 2>&1) \
    || { tail -5 "$APT_LOG" >&2; rm -rf "$t"; die "apt-get download slurm-wlm-torque failed (log: $APT_LOG)"; }
  dpkg-deb -x "$t"/slurm-wlm-torque_*.deb "$t/x"
  install -d "$prefix/bin" "$prefix/share/man/man1"
  install -m 755 "$t"/x/usr/bin/* "$prefix/bin/"
  cp -a "$t"/x/usr/share/man/man1/. "$prefix/share/man/man1/" 2>/dev/null || true
  rm -rf "$t"
}

# sge_preseed: debconf answers for gridengine (let the postinst set up cell "default" with this host as master)
sge_preseed() {
  local p
  for p in gridengine-common gridengine-master gridengine-exec gridengine-client; do
    printf '%s shared/gridengineconfig boolean true\n%s shared/gridenginecell string default\n%s shared/gridenginemaster string %s\n' \
      "$p" "$p" "$p" "$(hostname)"
  done | debconf-set-selections
}

# ensure_loopback_hostname: `hostname` must resolve to 127.0.0.1 first (SLURM binds to what the hostname
# resolves to, SGE talks to itself by name). Puts "127.0.0.1 <hostname>" at the top of /etc/hosts (in
# place: /etc/hosts may be a bind mount) unless such a line exists. Note: glibc resolves with
# AI_ADDRCONFIG, so the machine needs some non-loopback IPv4 address (any normal machine has one).
ensure_loopback_hostname() {
  local h; h=$(hostname)
  [ "$(getent ahostsv4 "$h" | awk 'NR==1{print $1}')" = 127.0.0.1 ] && return 0
  awk -v h="$h" '$1=="127.0.0.1" {for (i=2;i<=NF;i++) if ($i==h) f=1} END {exit !f}' /etc/hosts && return 0
  log "adding '127.0.0.1 $h' at the top of /etc/hosts"
  { echo "127.0.0.1 $h"; cat /etc/hosts; } >/etc/hosts.clustrix-new
  cat /etc/hosts.clustrix-new >/etc/hosts; rm -f /etc/hosts.clustrix-new
}

# ensure_quick_job_login: SLURM jobs submitted with --export=NONE (as Clustrix does) start by capturing the
# submitting user's LOGIN environment: slurmd runs `su - USER -c '... slurmstepd getenv ...'` for every job and
# array task. The tests submit as root, and this machine image's root ~/.profile sources ~/.bashrc, which runs
# `pyenv init` (a shim rehash under a lock): measured here, 8 login shells started together took 6.5 s (0.1 s
# without the profile), so a 200-task array crawled and timed out under CI load. A /root/.bash_profile (read by a
# bash login shell before ~/.profile) skips the profile for that capture only, and reads it for every other login.
# It is written only when root has none, or when it is ours.
ensure_quick_job_login() {
  local f=/root/.bash_profile marker='# clustrix testbed: ensure_quick_job_login (scripts/testbed/lib.sh)'
  if [ -e "$f" ] && ! grep -qF "$marker" "$f"; then log "leaving $f as it is (not written by the testbed)"; return 0; fi
  cat >"$f" <<EOS
$marker
# SLURM's capture of the login environment (--export=NONE) skips ~/.profile; every other login shell reads it.
case "\${BASH_EXECUTION_STRING-}" in
  *'slurmstepd getenv'*) ;;
  *) if [ -f ~/.profile ]; then . ~/.profile; fi ;;
esac
EOS
}

# ensure_user NAME: a normal login user (uid >= 1000, home, bash) whose account is not locked
ensure_user() {
  id "$1" >/dev/null 2>&1 || { log "creating user $1"; useradd -m -s /bin/bash "$1"; }
  usermod -p '*' "$1"   # '!' (locked) makes sshd with UsePAM no refuse even key logins
}
