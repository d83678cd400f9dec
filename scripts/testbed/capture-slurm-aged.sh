#!/usr/bin/env bash
# shellcheck disable=SC2016  # job scripts and inner shell code are written literally, in single quotes
# Second SLURM capture run: what the CLI says about a job older than MinJobAge, and the .extern step.
# Restarts SLURM twice (slurm.sh keeps queued and running jobs): first with SLURM_MINJOBAGE=2 and
# PrologFlags=Contain, at the end back to the defaults (MinJobAge 300, no PrologFlags). ~2 min.
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=capture-lib.sh
. "$HERE/capture-lib.sh"
U=${CAPTURE_USER:-clustrix}
cap_init "${1:-$REPO/packages/schedulers-slurm/test/fixtures}"
SQ="squeue --noheader --array --states=all --format='%i|%T|%r|%k'"
SA="sacct --noheader --parsable2 --allocations --format=JobID,JobName,State,ExitCode,Reason,Elapsed,Timelimit"
restore() { log "restoring SLURM defaults (MinJobAge 300)"; "$HERE/slurm.sh" >/dev/null; }
trap 'restore; rm -rf "$W"' EXIT

log "restarting SLURM with MinJobAge=2, PrologFlags=Contain"
SLURM_MINJOBAGE=2 SLURM_EXTRA_CONF="PrologFlags=Contain" "$HERE/slurm.sh" >/dev/null
script quick.sh '#!/bin/bash
echo hello'
script sleep.sh '#!/bin/bash
sleep "${1:-60}"'

OLD=$(run_as "$U" "sbatch --parsable -J aged -o /dev/null quick.sh")
ALIVE=$(run_as "$U" "sbatch --parsable -J alive -o /dev/null sleep.sh 120")
gone() { ! scontrol show job "$1" >/dev/null 2>&1; }
log "waiting (up to 3 min) until slurmctld purges job $OLD (every ~60 s once older than MinJobAge)"
wait_for 180 "job $OLD purged" gone "$OLD"
cap scontrol-show-job-aged-out.txt "job $OLD finished more than MinJobAge ago: slurmctld forgot it" "$U" "scontrol show job -o $OLD"
cap squeue-aged-out.txt "job $OLD finished more than MinJobAge ago: slurmctld forgot it" "$U" "$SQ --jobs=$OLD"
cap squeue-running-and-aged-out.txt "job $ALIVE running, job $OLD finished more than MinJobAge ago" "$U" "$SQ --jobs=$ALIVE,$OLD"
cap sacct-aged-out.txt "job $OLD finished more than MinJobAge ago: slurmdbd still has it" "$U" "$SA --jobs=$OLD"
cap sacct-completed-steps-extern.txt "job $OLD finished, PrologFlags=Contain: without --allocations there are .batch and .extern steps" "$U" \
  "sacct --noheader --parsable2 --format=JobID,JobName,State,ExitCode,Reason,Elapsed,Timelimit --jobs=$OLD"
cap sacct-running-steps-extern.txt "job $ALIVE running, PrologFlags=Contain: steps .batch and .extern" "$U" \
  "sacct --noheader --parsable2 --format=JobID,JobName,State,ExitCode,Reason,Elapsed,Timelimit --jobs=$ALIVE"
run_as "$U" "scancel $ALIVE"
log "done"
