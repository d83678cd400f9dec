#!/usr/bin/env bash
# Bring up every testbed the cluster tests need, on 127.0.0.1, from a fresh Debian 12 (run as root, no
# systemd needed):
#   sshd.sh   OpenSSH on 127.0.0.1:2222, key-only, user clustrix (client key in /tmp/clustrix-testbed/ssh)
#   slurm.sh  SLURM 22.05 single node + slurmdbd/MariaDB (sacct), SLURM_CPUS=8, --mem enforced
#   pbs.sh    Torque qsub/qstat/qdel wrappers over that SLURM, first on PATH of user pbsuser
#   sge.sh    Son of Grid Engine 8.1.9 qmaster + execd, queue all.q, pe smp; submit as clustrix
#   openpbs.sh (service openpbs) OpenPBS 23.06 built from ../shared/testbed/vendor (cached in /opt/pbs):
#             pbs_server, sched, comm, MoM + its PostgreSQL, munge auth, 8 ncpus; submit as pbstest
#   slurm-multinode.sh (service slurm-mn) a second SLURM cluster "mn": slurmctld :7817 + 3 slurmd n1..n3, accounted by
#             the slurmdbd above; SLURM_CONF=/etc/slurm-mn/slurm.conf (fault tests, pnpm soak)
# Idempotent: over running services it only re-checks them (a few seconds). Exits non-zero, naming the
# service, if one does not come up. Logs: /tmp/clustrix-testbed/logs (apt.log, ...).
#   up.sh                 everything
#   up.sh slurm sge ...   only these (ssh | slurm | pbs | sge); pbs implies slurm
# The knobs of each script pass through (SLURM_CPUS, SLURM_MINJOBAGE, SGE_SLOTS, SSH_PORT, ...).
# UP_APT_ONLY=1: only install the packages (e.g. to bake a CI image), start nothing.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
WANT=${*:-ssh slurm pbs sge slurm-mn openpbs}
for s in $WANT; do case $s in ssh|slurm|pbs|sge|slurm-mn|openpbs) ;; *) die "unknown service '$s' (valid: ssh slurm pbs sge slurm-mn openpbs)";; esac; done
want() { case " $WANT " in *" $1 "*) return 0;; *) return 1;; esac; }
want pbs && ! want slurm && WANT="slurm $WANT"
want slurm-mn && ! want slurm && WANT="slurm $WANT"   # slurm-mn shares munged and slurmdbd
T0=$SECONDS

# one apt transaction for everything missing (much faster than one per script)
ensure_loopback_hostname
PKGS=(iproute2)   # ss, for the summary below
want ssh && PKGS+=("${SSH_PKGS[@]}")
want slurm && { PKGS+=("${SLURM_PKGS[@]}"); [ "${SLURM_DBD:-1}" = 1 ] && PKGS+=("${SLURMDBD_PKGS[@]}"); }
want pbs && PKGS+=("${PBS_PKGS[@]}")   # + the wrappers, unpacked below
want sge && { sge_preseed; PKGS+=("${SGE_PKGS[@]}"); }
want openpbs && PKGS+=("${OPENPBS_PKGS[@]}")   # build deps + PostgreSQL + munge
apt_install "${PKGS[@]}"
want pbs && install_torque_wrappers "${TORQUE_PREFIX:-/opt/slurm-torque}"
T_APT=$((SECONDS - T0))
if [ "${UP_APT_ONLY:-0}" = 1 ]; then log "packages installed in ${T_APT} s (UP_APT_ONLY=1: nothing started)"; exit 0; fi

step() { # name script: run it, time it, fail loudly
  local t=$SECONDS
  log "---- $1"
  "$HERE/$2" || die "$1 did not come up ($2 exited $?); logs: $TESTBED_LOG_DIR, /var/log/slurm, /var/spool/gridengine/*/messages"
  TIMES="$TIMES $1=$((SECONDS - t))s"
}
TIMES=""
want ssh && step sshd sshd.sh
want slurm && step slurm slurm.sh
want pbs && step pbs pbs.sh
want sge && step sge sge.sh
want slurm-mn && step slurm-mn slurm-multinode.sh
want openpbs && step openpbs openpbs.sh   # after sshd (pbstest gets clustrix's key); ~2 min the first time (build)

# ---------- what runs where (listening addresses as the kernel reports them) ----------
listen_of() { # pid -> its TCP listen addresses
  local a; a=$(ss -ltnpH 2>/dev/null | awk -v p="pid=$1," 'index($0,p){print $4}' | sort -u | tr '\n' ' ')
  echo "${a:-(no tcp socket)}"; }
row() { # name pidfile comm note
  local pid
  if pid=$(pid_of "$2" "$3"); then printf '  %-12s pid %-7s %-22s %s\n' "$1" "$pid" "$(listen_of "$pid")" "$4"
  else printf '  %-12s %s\n' "$1" "NOT RUNNING"; fi; }
SSH_DIR_=${SSH_DIR:-$TESTBED_DIR/ssh}
echo
echo "Clustrix testbed up in $((SECONDS - T0)) s (apt ${T_APT}s,$TIMES)"
if want ssh; then
  row sshd "$SSH_DIR_/sshd.pid" sshd "ssh -p ${SSH_PORT:-2222} -i $SSH_DIR_/id_ed25519 -o UserKnownHostsFile=$SSH_DIR_/known_hosts clustrix@127.0.0.1 (pbsuser: same key)"
fi
if want slurm; then
  row munged /run/munge/munged.pid munged "/run/munge/munge.socket.2"
  [ "${SLURM_DBD:-1}" = 1 ] && row mariadbd /run/mysqld/mysqld.pid mariadbd "database slurm_acct_db"
  [ "${SLURM_DBD:-1}" = 1 ] && row slurmdbd /run/slurmdbd.pid slurmdbd "accounting for sacct"
  row slurmctld /run/slurmctld.pid slurmctld "partition debug: $(sinfo -h -o '%D node(s) %c cpus %m MB, %t' 2>/dev/null | head -1); MinJobAge $(scontrol show config 2>/dev/null | awk '/^MinJobAge/{print $3}')s"
  row slurmd /run/slurmd.pid slurmd "node $(hostname -s); submit as clustrix: sbatch/squeue/sacct in /usr/bin"
fi
if want pbs; then
  printf '  %-12s %-34s %s\n' "pbs" "(no daemon)" "qsub/qstat/qdel from ${TORQUE_PREFIX:-/opt/slurm-torque}/bin, first on PATH of pbsuser"
fi
if want sge; then
  row sge_qmaster /var/spool/gridengine/qmaster/qmaster.pid sge_qmaster "SGE_ROOT=/var/lib/gridengine cell default; submit as clustrix (min_uid 1000)"
  for f in /var/spool/gridengine/execd/*/execd.pid; do
    pid_of "$f" sge_execd >/dev/null && row sge_execd "$f" sge_execd "queue all.q@$(hostname) ${SGE_SLOTS:-8} slots, pe smp, h_vmem consumable"
  done
fi
if want slurm-mn; then
  row slurmctld-mn /run/slurmctld-mn.pid slurmctld "cluster mn (SLURM_CONF=/etc/slurm-mn/slurm.conf): $(SLURM_CONF=/etc/slurm-mn/slurm.conf sinfo -h -N -p debug -o '%N:%t' 2>/dev/null | tr '\n' ' ')"
  for n in n1 n2 n3; do row "slurmd-mn $n" "/run/slurmd-mn-$n.pid" slurmd "node $n of cluster mn"; done
fi
if want openpbs; then
  row pbs_server /var/spool/pbs/server_priv/server.lock pbs_server.bin "OpenPBS $(/opt/pbs/bin/qstat --version 2>/dev/null | sed 's/.*= //'), queue workq; submit as pbstest (/opt/pbs/bin first on its PATH)"
  row pbs_mom /var/spool/pbs/mom_priv/mom.lock pbs_mom "node $(hostname -s), \$enforce mem; datastore PostgreSQL 127.0.0.1:15007"
fi
echo "Stop: $HERE/stop-all.sh"
