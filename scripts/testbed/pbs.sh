#!/usr/bin/env bash
# shellcheck disable=SC2016  # job scripts and inner shell code are written literally, in single quotes
# PBS/Torque-style front end over the single-node SLURM of slurm.sh: the qsub/qstat/qdel/pbsnodes Perl
# wrappers of Debian's slurm-wlm-torque, plus the spank_pbs plugin so that jobs see PBS_JOBID,
# PBS_O_WORKDIR, PBS_ARRAY_INDEX, ... Idempotent; run as root on Debian 12. Exits non-zero if a job
# submitted through the wrappers does not run.
#
# slurm-wlm-torque Conflicts: gridengine-client (both own /usr/bin/qsub, qstat, qdel), so the wrappers are
# unpacked into $TORQUE_PREFIX/bin (default /opt/slurm-torque/bin) instead of being apt-installed; that dir
# also links sbatch/srun/... which the wrappers look up next to themselves.
# User $PBS_USER (default pbsuser) gets that dir first on PATH (top of ~/.bashrc and ~/.profile, so it also
# applies to non-interactive `ssh host cmd`) and the same authorized_keys as $SSH_USER (default clustrix).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
PREFIX=${TORQUE_PREFIX:-/opt/slurm-torque}
PBS_USER=${PBS_USER:-pbsuser}
SSH_USER=${SSH_USER:-clustrix}

if ! sinfo -h >/dev/null 2>&1; then
  log "slurm not running: running slurm.sh"
  "$HERE/slurm.sh"
fi

install_torque_wrappers "$PREFIX"
for b in sbatch srun salloc squeue scontrol scancel sinfo sacct; do ln -sfn "/usr/bin/$b" "$PREFIX/bin/$b"; done

SPANK=/usr/lib/x86_64-linux-gnu/slurm-wlm/spank_pbs.so
[ -f "$SPANK" ] || die "$SPANK missing (package slurm-wlm-basic-plugins)"
install -d /etc/slurm/plugstack.conf.d
[ -f /etc/slurm/plugstack.conf ] || echo 'include /etc/slurm/plugstack.conf.d/*.conf' >/etc/slurm/plugstack.conf
echo "required $SPANK" >/etc/slurm/plugstack.conf.d/pbs.conf   # read by slurmstepd per job: no restart

# ---------- the PBS-flavoured login ----------
ensure_user "$PBS_USER"
PH=$(getent passwd "$PBS_USER" | cut -d: -f6)
LINE="case \":\$PATH:\" in *\":$PREFIX/bin:\"*) ;; *) export PATH=\"$PREFIX/bin:\$PATH\" ;; esac  # pbs.sh: Torque wrappers first"
for f in "$PH/.bashrc" "$PH/.profile"; do
  [ -f "$f" ] || : >"$f"
  if ! grep -qxF "$LINE" "$f"; then
    # first line (before .bashrc's "not interactive: return"), replacing older versions of it
    { echo "$LINE"; grep -vE '# (pbs|torque)\.sh' "$f" || true; } >"$f.new"
    cat "$f.new" >"$f"; rm -f "$f.new"
  fi
  chown "$PBS_USER:" "$f"
done
SH=$(getent passwd "$SSH_USER" 2>/dev/null | cut -d: -f6 || true)
if [ -n "$SH" ] && [ -f "$SH/.ssh/authorized_keys" ]; then
  install -d -m 700 -o "$PBS_USER" -g "$PBS_USER" "$PH/.ssh"
  install -m 600 -o "$PBS_USER" -g "$PBS_USER" "$SH/.ssh/authorized_keys" "$PH/.ssh/authorized_keys"
fi

# ---------- smoke test through the wrappers, as $PBS_USER with its login PATH ----------
T=$(mktemp -d /tmp/pbs_smoke.XXXXXX); chmod 777 "$T"
printf '#!/bin/bash\n#PBS -N testbed-smoke\necho "$PBS_JOBID $PBS_O_WORKDIR"\n' >"$T/job.sh"
ID=$(runuser -l "$PBS_USER" -c "cd $T && qsub -W block=true -o $T/out -e $T/err job.sh" 2>&1) \
  || { rm -rf "$T"; die "qsub through the wrappers failed: $ID"; }
SEEN=$(cat "$T/out" 2>/dev/null || true)
rm -rf "$T"
[ "$SEEN" = "$ID $T" ] || die "smoke job $ID: expected '$ID $T' from PBS_JOBID/PBS_O_WORKDIR, got '$SEEN'"
log "ok: $(runuser -l "$PBS_USER" -c 'command -v qsub') (user $PBS_USER) -> SLURM job $ID saw PBS_JOBID/PBS_O_WORKDIR"
