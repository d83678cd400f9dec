#!/usr/bin/env bash
# OpenPBS (the open-source PBS Professional) as a real single-node PBS on 127.0.0.1, for the `pbspro`
# flavour's cluster tests: builds OpenPBS 23.06.06 from the vendored source tarball (+ the 3 patches
# embedded below), installs it to /opt/pbs, runs pbs_server, pbs_sched, pbs_comm, pbs_mom and PBS's own
# PostgreSQL datastore, tuned for short turnaround. Idempotent; run as root on Debian 12 (no systemd).
# Adapted from ../shared/testbed/openpbs.sh (the reference that first brought it up on this kind of host).
#
# Usage:  openpbs.sh [TARBALL]
#   TARBALL (or $OPENPBS_TARBALL); default <repo>/../shared/testbed/vendor/openpbs-23.06.06.tar.gz (read
#   only; CI puts shared/ beside the clone). Its sha256 is verified. Not needed once /opt/pbs is built from
#   that same tarball + patches (stamp $PREFIX/.openpbs-testbed-stamp): then the build is skipped.
# Source: openpbs-23.06.06.tar.gz = `git archive --prefix=openpbs-23.06.06/ v23.06.06 | gzip` of
#   github.com/openpbs/openpbs, tag v23.06.06 = commit be361a18ef37652bece0811ec709f0fe4fc52710
# Patches, in openpbs-patches/ (each skipped when its change is already in the tree):
#   0001 upstream 1d17427c0 "compile with Python 3.11": 23.06.06 includes <eval.h>, gone in Python 3.11.
#   0002 upstream dd2a24640 "Add support for python 3.10": PY_SSIZE_T_CLEAN, else "s#" calls fail at run time.
#   0003 testbed only: accept a loopback address for the host (upstream skips 127/8, and with
#        `<host> -> 127.0.0.1` server, MoM and comm exit: "Could not find any usable IP address").
# Time (2 cpus): build ~2 min (make -j2 ~84 s); over a running install ~3 s.
# Ports: 15001 pbs_server, 15002-15003 pbs_mom, 17001 pbs_comm (these bind 0.0.0.0: no option), 15007
#   datastore (PostgreSQL, set to localhost only).
# Tuning: scheduler_iteration=1, job_history_enable=True (finished jobs stay in `qstat -x`, state F, with
#   Exit_status), queue workq kill_delay=$OPENPBS_KILL_DELAY (2), MoM $min_check_poll 1/$max_check_poll 2,
#   `$enforce mem` unless OPENPBS_ENFORCE_MEM=0 (over -l mem -> Exit_status -27; walltime -29; qdel 271),
#   node resources_available.ncpus=$OPENPBS_NCPUS (8: more slots than CPUs, as SLURM_CPUS does),
#   server node_fail_requeue=$OPENPBS_NODE_FAIL_REQUEUE (5 s; a down node's jobs are requeued, or with -r n ended),
#   authentication $OPENPBS_AUTH (munge, with munged; resvport runs out of reserved ports under fast polling).
# Users: jobs are submitted as $PBS_TEST_USER (default pbstest): /opt/pbs/bin first on its PATH (SGE's
#   /usr/bin/qsub would win otherwise), and $SSH_USER's authorized_keys.
# Builds in $OPENPBS_WORK (default $TESTBED_DIR/openpbs-build, writable); logs in $TESTBED_LOG_DIR/openpbs.
# Stop: stop-all.sh openpbs.
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
VER=${OPENPBS_VERSION:-23.06.06}
SHA256_23_06_06=8223d49572e13f07c38d724ead9e7220092c8900a7b7cdf7c4bda89db21303cf
PREFIX=/opt/pbs                 # pbs_postinstall, /etc/init.d/pbs and profile.d assume it
PBS_HOME=/var/spool/pbs
WORK=${OPENPBS_WORK:-$TESTBED_DIR/openpbs-build}
LOGS=$TESTBED_LOG_DIR/openpbs
TEST_USER=${PBS_TEST_USER:-pbstest}
SSH_USER=${SSH_USER:-clustrix}
KILL_DELAY=${OPENPBS_KILL_DELAY:-2}
ENFORCE_MEM=${OPENPBS_ENFORCE_MEM:-1}
MAKE_JOBS=${OPENPBS_MAKE_JOBS:-2}
NCPUS=${OPENPBS_NCPUS:-8}
NODE_FAIL_REQUEUE=${OPENPBS_NODE_FAIL_REQUEUE:-5}
AUTH=${OPENPBS_AUTH:-munge}     # or resvport (PBS's default; see below)
HOST=$(hostname -s)
# a clean PATH: configure must find Debian's /usr/bin/python3, not a pyenv shim in root's PATH
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
mkdir -p "$LOGS" "$WORK"
T_ALL=$SECONDS
timed() { # label cmd...: run, log its output to $LOGS/label.log, print wall time; tail the log on failure
  local label=$1 t=$SECONDS; shift
  if "$@" >"$LOGS/$label.log" 2>&1 </dev/null; then log "$label: $((SECONDS - t)) s"
  else tail -30 "$LOGS/$label.log" >&2; die "$label failed (log: $LOGS/$label.log)"; fi
}

ensure_loopback_hostname
apt_install "${OPENPBS_PKGS[@]}"   # no-op when up.sh already installed them

# ---------------------------------------------------------------- source + patches -> build -> install
write_patches() { # dir: a private copy of the patches (openpbs-patches/ beside this script)
  rm -rf "$1"; mkdir -p "$1"
  cp "$HERE"/openpbs-patches/*.patch "$1"/
}
already_patched() { # srcdir patchfile: is the change already in the source (e.g. upstream master)?
  case $(basename "$2") in
    0001-*) ! grep -q '<eval.h>' "$1/src/lib/Libpython/pbs_python_external.c" ;;
    0002-*) grep -q 'PY_SSIZE_T_CLEAN' "$1/src/include/pbs_python_private.h" ;;
    0003-*) ! grep -q 'IN_LOOPBACKNET' "$1/src/lib/Libnet/hnls.c" ;;
    *) patch -d "$1" -p1 -R -s -f --dry-run <"$2" >/dev/null 2>&1 ;;
  esac
}
apply_patches() { # srcdir patchdir
  local p
  for p in "$2"/*.patch; do
    if already_patched "$1" "$p"; then
      log "patch $(basename "$p"): already in the source"
    elif patch -d "$1" -p1 -s -f --dry-run <"$p" >/dev/null 2>&1; then
      patch -d "$1" -p1 -s -f <"$p"; log "patch $(basename "$p"): applied"
    else
      die "patch $(basename "$p") does not apply to $1"
    fi
  done
}
find_tarball() {
  local c
  for c in "${1:-}" "${OPENPBS_TARBALL:-}" "$HERE/../../../shared/testbed/vendor/openpbs-$VER.tar.gz"; do
    if [ -n "$c" ] && [ -f "$c" ]; then readlink -f "$c"; return 0; fi
  done
  return 1
}
verify_tarball() { # path: the vendored 23.06.06 must match its recorded sha256
  local got; got=$(sha256sum <"$1" | cut -d' ' -f1)
  [ "$VER" != 23.06.06 ] || [ "$got" = "$SHA256_23_06_06" ] \
    || die "$1: sha256 $got, expected $SHA256_23_06_06 (corrupt or not the vendored v23.06.06)"
}

write_patches "$WORK/patches"
STAMP=$PREFIX/.openpbs-testbed-stamp
TARBALL=$(find_tarball "${1:-}") || TARBALL=
if [ -n "$TARBALL" ]; then
  verify_tarball "$TARBALL"
  KEY="$(sha256sum <"$TARBALL" | cut -d' ' -f1) $(cat "$WORK"/patches/*.patch | sha256sum | cut -d' ' -f1)"
elif [ -x "$PREFIX/sbin/pbs_server.bin" ]; then
  KEY=$(cat "$STAMP" 2>/dev/null || echo unknown); log "no tarball found; keeping the installed $PREFIX"
else
  die "no source tarball: pass it as \$1 or OPENPBS_TARBALL (looked for openpbs-$VER.tar.gz in <repo>/../shared/testbed/vendor)"
fi
if [ -x "$PREFIX/sbin/pbs_server.bin" ] && [ "$(cat "$STAMP" 2>/dev/null)" = "$KEY" ]; then
  log "$PREFIX already built from $(basename "${TARBALL:-the same source}") + patches: skipping the build"
else
  log "building OpenPBS from $TARBALL"
  rm -rf "$WORK/build"; mkdir -p "$WORK/build"
  tar -xzf "$TARBALL" -C "$WORK/build"
  tops=("$WORK"/build/*/); SRC=${tops[0]%/}    # openpbs-23.06.06/ (or openpbs/ for a master archive)
  apply_patches "$SRC" "$WORK/patches"
  cd "$SRC"
  timed autogen ./autogen.sh
  timed configure ./configure --prefix="$PREFIX" --with-python=/usr
  timed make make -j"$MAKE_JOBS"
  if [ -x /etc/init.d/pbs ] && grep -Eq ' is (pid )?[0-9]+' <<<"$(/etc/init.d/pbs status 2>&1 || true)"; then
    log "stopping the running PBS before installing over it"; timed stop-for-install setsid /etc/init.d/pbs stop
  fi
  timed make-install make install
  echo "$KEY" >"$STAMP"
  cd /
fi
chmod 4755 "$PREFIX/sbin/pbs_iff" "$PREFIX/sbin/pbs_rcp"   # INSTALL step 12

# ---------------------------------------------------------------- host name -> loopback
# (pipes into `grep -q` are avoided throughout: with pipefail, grep's early exit can fail the pipeline)
addrs() { getent ahostsv4 "$HOST" | awk '{print $1}' | sort -u || true; }
if ! grep -q '^127\.' <<<"$(addrs)"; then
  die "$HOST does not resolve to a loopback address (ensure_loopback_hostname should have fixed /etc/hosts)"
fi
if grep -qv '^127\.' <<<"$(addrs)"; then
  log "WARNING: $HOST also resolves to a non-loopback address; PBS may use it: $(addrs | tr '\n' ' ')"
fi

# ---------------------------------------------------------------- /etc/pbs.conf, PBS_HOME, datastore
if [ ! -f /etc/pbs.conf ] || [ ! -x /etc/init.d/pbs ] || [ ! -d "$PBS_HOME/mom_priv" ]; then
  timed postinstall "$PREFIX/libexec/pbs_postinstall"
fi
CONF_BEFORE=$(cat /etc/pbs.conf)
setconf() {
  if grep -q "^$1=" /etc/pbs.conf; then sed -i "s|^$1=.*|$1=$2|" /etc/pbs.conf; else echo "$1=$2" >>/etc/pbs.conf; fi
}
setconf PBS_EXEC "$PREFIX"; setconf PBS_HOME "$PBS_HOME"; setconf PBS_SERVER "$HOST"
# Authentication: munge (default), not PBS's resvport: with resvport every qstat/qsub takes a reserved
# port (< 1024) through pbs_iff, left in TIME_WAIT for 60 s, and ~8 commands a second ("qstat polled
# every 50 ms", a watcher at 100 ms) exhaust them: "pbs_iff: all reserved ports in use". libauth_munge
# dlopens libmunge.so (libmunge-dev); munged is the one slurm.sh runs, started here if it is not.
if [ "$AUTH" = munge ]; then
  [ -s /etc/munge/munge.key ] || { log "creating munge key"; mungekey -c -f -k /etc/munge/munge.key; }
  chown munge:munge /etc/munge/munge.key; chmod 400 /etc/munge/munge.key
  install -d -o munge -g munge -m 755 /run/munge
  install -d -o munge -g munge -m 700 /var/lib/munge /var/log/munge
  munge_ok() { munge -n 2>/dev/null | unmunge >/dev/null 2>&1; }
  if ! munge_ok; then
    log "starting munged"; runuser -u munge -- /usr/sbin/munged --force || die "munged failed to start"
    wait_until 10 munge_ok || die "munged did not come up (see /var/log/munge/munged.log)"
  fi
fi
setconf PBS_AUTH_METHOD "$AUTH"; setconf PBS_SUPPORTED_AUTH_METHODS "$AUTH"
for d in SERVER SCHED COMM MOM; do setconf "PBS_START_$d" 1; done
[ "$CONF_BEFORE" = "$(cat /etc/pbs.conf)" ] || log "/etc/pbs.conf set: $(grep -v '^#' /etc/pbs.conf | tr '\n' ' ')"

pbs_status() { [ -x /etc/init.d/pbs ] && /etc/init.d/pbs status 2>&1 || true; }
running() { grep -Eq ' is (pid )?[0-9]+' <<<"$(pbs_status)"; }           # any daemon up ("pbs_comm is N")
all_running() { local s; s=$(pbs_status); [ -n "$s" ] && ! grep -q 'not running' <<<"$s"; }
RESTART=0
[ "$CONF_BEFORE" = "$(cat /etc/pbs.conf)" ] || RESTART=1
if [ ! -f "$PBS_HOME/pbs_version" ] || [ ! -d "$PBS_HOME/datastore" ]; then
  # what `/etc/init.d/pbs start` would do on first start (initdb as postgres, default queue workq and
  # node <host>), done here so the datastore can be set to localhost before it serves anything
  if running; then log "stopping PBS to initialize PBS_HOME"; timed stop-for-habitat setsid /etc/init.d/pbs stop; fi
  timed habitat setsid "$PREFIX/libexec/pbs_habitat"
fi
PGCONF=$PBS_HOME/datastore/postgresql.conf
if grep -q "^listen_addresses = '\*'" "$PGCONF"; then
  sed -i "s/^listen_addresses = '\*'/listen_addresses = 'localhost'/" "$PGCONF"; RESTART=1
fi

# MoM: poll every 1-2 s (walltime/mem checks, resources_used) and, by default, enforce -l mem
MOMCONF=$PBS_HOME/mom_priv/config
want=$(grep -v -e '^\$min_check_poll' -e '^\$max_check_poll' -e '^\$enforce mem' "$MOMCONF" || true
       echo '$min_check_poll 1'; echo '$max_check_poll 2'; [ "$ENFORCE_MEM" = 0 ] || echo '$enforce mem')
MOM_HUP=0   # compared sorted: the init script itself appends $restrict_user_maxsysid on first start
if [ "$(sort <<<"$want")" != "$(sort "$MOMCONF")" ]; then printf '%s\n' "$want" >"$MOMCONF"; MOM_HUP=1; fi

# ---------------------------------------------------------------- start
if [ "$RESTART" = 1 ] && running; then
  log "configuration changed: restarting PBS"; timed stop setsid /etc/init.d/pbs stop; MOM_HUP=0
fi
if all_running; then
  log "PBS already running: $(pbs_status | tr '\n' ' ')"
  if [ "$MOM_HUP" = 1 ]; then log "MoM config changed: SIGHUP"; kill -HUP "$(cat "$PBS_HOME/mom_priv/mom.lock")"; fi
else
  # setsid: the daemons must not belong to this shell's session or process group
  timed start setsid /etc/init.d/pbs start
fi
Q=$PREFIX/bin/qmgr
for _ in $(seq 1 150); do "$PREFIX/bin/qstat" -B >/dev/null 2>&1 && break; sleep 0.2; done
"$PREFIX/bin/qstat" -B >/dev/null 2>&1 || { tail -20 "$PBS_HOME/server_logs/$(date +%Y%m%d)" >&2; die "pbs_server does not answer"; }

# ---------------------------------------------------------------- server, scheduler, queue, node
"$Q" -c "list queue workq" >/dev/null 2>&1 || {
  "$Q" -c "create queue workq queue_type = execution"
  "$Q" -c "set queue workq enabled = True"; "$Q" -c "set queue workq started = True"
  "$Q" -c "set server default_queue = workq"; }
"$Q" -c "list node $HOST" >/dev/null 2>&1 || "$Q" -c "create node $HOST"
# note: `pbsnodes $HOST` says "Unknown node" (it looks up the canonical name, localhost); -v or -a work
"$Q" -c "set server scheduling = True"
"$Q" -c "set server scheduler_iteration = 1"      # also sets sched default's scheduler_iteration
"$Q" -c "set server job_history_enable = True"
"$Q" -c "set queue workq kill_delay = $KILL_DELAY"
# a node that goes down under a job: requeue it (or, with qsub -r n, end it: Exit_status -20) after 5 s, not 310
"$Q" -c "set server node_fail_requeue = $NODE_FAIL_REQUEUE"
# more job slots than CPUs (like SLURM_CPUS): arrays and the tests' concurrent jobs run side by side
"$Q" -c "set node $HOST resources_available.ncpus = $NCPUS"
node_free() { grep -q 'state = free' <<<"$("$PREFIX/bin/pbsnodes" -v "$HOST" 2>&1 || true)"; }
for _ in $(seq 1 100); do node_free && break; sleep 0.2; done
node_free || { "$PREFIX/bin/pbsnodes" -v "$HOST" >&2 || true; die "node $HOST is not free"; }

# ---------------------------------------------------------------- the submitting user
ensure_user "$TEST_USER"   # unlocked for ssh keys, no password
UH=$(getent passwd "$TEST_USER" | cut -d: -f6)
LINE="export PATH=$PREFIX/bin:\$PATH  # openpbs.sh"
for f in "$UH/.bashrc" "$UH/.profile"; do
  [ -f "$f" ] || : >"$f"
  grep -qF '# openpbs.sh' "$f" || sed -i "1i $LINE" "$f"
  [ -s "$f" ] || echo "$LINE" >"$f"
  chown "$TEST_USER:" "$f"
done
SH=$(getent passwd "$SSH_USER" 2>/dev/null | cut -d: -f6 || true)
if [ -n "$SH" ] && [ -f "$SH/.ssh/authorized_keys" ]; then
  install -d -m 700 -o "$TEST_USER" -g "$TEST_USER" "$UH/.ssh"
  install -m 600 -o "$TEST_USER" -g "$TEST_USER" "$SH/.ssh/authorized_keys" "$UH/.ssh/authorized_keys"
fi

# ---------------------------------------------------------------- smoke test
T=$(mktemp -d /tmp/openpbs_smoke.XXXXXX); chmod 777 "$T"
printf '#!/bin/bash\necho "$PBS_JOBID on $(hostname -s)"\n' >"$T/job.sh"
t=$SECONDS
ID=$(runuser -u "$TEST_USER" -- bash -c "cd $T && $PREFIX/bin/qsub -W block=true -o $T/out -e $T/err job.sh")
# qsub -W block=true returns at the job's exit; MoM copies the output files ~1 s later (then state F)
for _ in $(seq 1 100); do [ -s "$T/out" ] && break; sleep 0.1; done
[ -s "$T/out" ] || die "smoke job $ID left no output in $T/out"
log "ok: qsub -W block=true as $TEST_USER -> $ID printed '$(cat "$T/out")' in $((SECONDS - t)) s"
rm -rf "$T"
log "OpenPBS $("$PREFIX/bin/qstat" --version | sed 's/.*= //') up on $HOST in $((SECONDS - T_ALL)) s ($NCPUS ncpus); stop: stop-all.sh openpbs"
