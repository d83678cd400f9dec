#!/usr/bin/env bash
# Capture real output of the Torque/PBS wrappers (Debian slurm-wlm-torque 22.05 over SLURM) into
# packages/schedulers-pbs/test/fixtures/ (format: capture-lib.sh). Needs slurm.sh + pbs.sh; jobs run as
# `pbsuser` (wrappers first on its PATH). ~1 min; CAPTURE_TIMELIMIT=1 adds ~90 s for a walltime kill.
# Note: the wrappers' qstat lists EVERY user's jobs, so the captures name job ids explicitly.
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=capture-lib.sh
. "$HERE/capture-lib.sh"
U=${PBS_USER:-pbsuser}
cap_init "${1:-$REPO/packages/schedulers-pbs/test/fixtures}"
node_idle() { [ "$(sinfo -h -n "$(hostname -s)" -o %t)" = idle ]; }
node_idle || log "waiting (up to 10 min) for the SLURM node to be idle"
wait_for 600 "node idle" node_idle
st() { squeue -h -t all -o %T -j "$1" 2>/dev/null | sort -u | tr '\n' ' '; }
is() { [ "$(st "$1")" = "$2 " ]; }
gone_or_done() { case "$(st "$1")" in "COMPLETED "|"FAILED "|"CANCELLED "|"TIMEOUT ") return 0;; *) return 1;; esac; }

script sleep120.sh '#!/bin/bash
sleep 120'
script fail.sh '#!/bin/bash
echo "about to fail" >&2
exit 1'
script envdump.sh '#!/bin/bash
env | grep PBS_ | sort
sleep 5'
script directives.sh "#!/bin/bash
#PBS -N fromdirective
#PBS -l walltime=00:02:00
#PBS -l nodes=1:ppn=2
#PBS -l mem=100mb
#PBS -o $W/directive.out
#PBS -e $W/directive.err
sleep 30"
script directive-t.sh '#!/bin/bash
#PBS -t 0-1
sleep 1'
script directive-J.sh '#!/bin/bash
#PBS -J 0-1
sleep 1'

# ---------- submission ----------
cap qsub-single.txt "submit one job (sleep 120)" "$U" "qsub -N running -o /dev/null -e /dev/null sleep120.sh"
R=$CAP_OUT
cap qsub-array-t.txt "submit an array with -t 0-3 (each task dumps its PBS_* environment)" "$U" \
  "qsub -N arr-t -t 0-3 -o $W/arr-t.%a.out -e /dev/null envdump.sh"
AT=$CAP_OUT
cap qsub-array-J.txt "submit an array with -J 0-3 (PBS Pro spelling)" "$U" "qsub -N arr-J -J 0-3 -o /dev/null -e /dev/null envdump.sh"
AJ=$CAP_OUT
cap qsub-env-single.txt "submit one job that dumps its PBS_* environment" "$U" "qsub -N envjob -o $W/env-single.out -e /dev/null envdump.sh"
ES=$CAP_OUT
wait_for 20 "job $R running" is "$R" RUNNING
Q=$(run_as "$U" "qsub -N queued -l nodes=1:ppn=8 -o /dev/null -e /dev/null sleep120.sh")   # 8 CPUs while $R runs
HOLD=$(run_as "$U" "qsub -N held -h -o /dev/null -e /dev/null sleep120.sh")
wait_for 20 "job $Q pending" is "$Q" PENDING
cap qstat-f-running.txt "job $R running" "$U" "qstat -f $R"
cap qstat-f-queued.txt "job $Q waiting for all 8 CPUs (-l nodes=1:ppn=8) while $R runs" "$U" "qstat -f $Q"
cap qstat-f-held.txt "job $HOLD submitted with -h (SLURM: held, JobHeldUser)" "$U" "qstat -f $HOLD"
cap qstat-f-array.txt "array $AT (-t 0-3): qstat -f with the array's id" "$U" "qstat -f $AT"
cap qstat-brief.txt "jobs $R running, $Q queued, $HOLD held, array $AT" "$U" "qstat $R $Q $HOLD $AT"
cap qstat-a.txt "jobs $R running, $Q queued (-a: the alternative table)" "$U" "qstat -a $R $Q"
cap qstat-u.txt "all jobs of $U: $R running, $Q queued, $HOLD held, arrays $AT $AJ, job $ES" "$U" "qstat -u $U"
cap qstat-f-several.txt "jobs $R running, $Q queued, $HOLD held, array $AT, and 999999 that never existed, in ONE qstat -f (what the PBS scheduler runs each cycle)" "$U" "qstat -f $R $Q $HOLD $AT 999999"
cap qstat-f-x-unsupported.txt "PBS Pro's -x (finished jobs): the wrappers do not have it" "$U" "qstat -f -x $R"
cap qstat-f-t-unsupported.txt "PBS Pro/Torque's -t (array subjobs): the wrappers do not have it" "$U" "qstat -f -t $AT"
cap qsub-sbatchline.txt "what the wrapper would run for a -l list (qsub -sbatchline prints the sbatch command)" "$U" \
  "qsub -sbatchline -N cli -l walltime=00:02:00,nodes=1:ppn=2,mem=100mb -t 0-3 -o /tmp/x.out -e /tmp/x.err sleep120.sh"

# ---------- environment inside a job and an array task ----------
has_out() { [ -s "$1" ]; }
wait_for 30 "env of job $ES" has_out "$W/env-single.out"
wait_for 30 "env of array $AT task 1" has_out "$W/arr-t.1.out"
envfix() { # file context outfile
  { printf '# command: env | grep PBS_ | sort\n# context: %s\n# exit code: 0\n' "$2"; cat "$3"; } >"$FIX/$1"
  log "$1"; }
envfix env-single-job.txt "run INSIDE job $ES (qsub -N envjob envdump.sh, submitted from $W); its stdout file" "$W/env-single.out"
envfix env-array-task.txt "run INSIDE task 1 of array $AT (qsub -N arr-t -t 0-3 envdump.sh, submitted from $W); its stdout file" "$W/arr-t.1.out"

# ---------- which #PBS directives reach SLURM ----------
cap qsub-directives.txt "script with #PBS -N fromdirective, -l walltime=00:02:00, -l nodes=1:ppn=2, -l mem=100mb, -o/-e $W/directive.out|err" "$U" "qsub directives.sh"
DIR=$CAP_OUT
cap scontrol-show-job-directives.txt "job $DIR submitted with plain qsub directives.sh: what SLURM made of the #PBS lines (-o/-e of the script are overridden by the wrapper's defaults)" "$U" "scontrol show job -o $DIR"
cap qsub-directive-t.txt "script with #PBS -t 0-1, plain qsub" "$U" "qsub -o /dev/null -e /dev/null directive-t.sh"
DT=$CAP_OUT
cap scontrol-show-job-directive-t.txt "job $DT: was #PBS -t 0-1 honoured (ArrayTaskId)?" "$U" "scontrol show job -o $DT"
cap qsub-directive-J.txt "script with #PBS -J 0-1, plain qsub" "$U" "qsub -o /dev/null -e /dev/null directive-J.sh"
DJ=$CAP_OUT
cap scontrol-show-job-directive-J.txt "job $DJ: was #PBS -J 0-1 honoured (ArrayTaskId)?" "$U" "scontrol show job -o $DJ"

# ---------- qdel, finished jobs ----------
cap qdel-running.txt "delete job $R while it runs" "$U" "qdel $R"
cap qdel-queued.txt "delete job $Q (queued) and $HOLD (held)" "$U" "qdel $Q $HOLD"
F=$(run_as "$U" "qsub -N failer -o /dev/null -e /dev/null fail.sh")
wait_for 30 "job $F finished" gone_or_done "$F"
wait_for 30 "job $R cancelled" gone_or_done "$R"
wait_for 30 "job $ES finished" gone_or_done "$ES"
cap qstat-f-finished-failed.txt "job $F finished with exit 1 (C, no exit status)" "$U" "qstat -f $F"
cap qstat-f-finished-ok.txt "job $ES finished with exit 0" "$U" "qstat -f $ES"
cap qstat-f-deleted.txt "job $R deleted with qdel while running" "$U" "qstat -f $R"
cap qstat-brief-finished.txt "jobs $F (exit 1), $ES (exit 0), $R (qdel) finished" "$U" "qstat $F $ES $R"
cap qstat-unknown-id.txt "job id 999999 never existed (or is older than MinJobAge)" "$U" "qstat 999999"
cap qstat-f-unknown-id.txt "job id 999999 never existed" "$U" "qstat -f 999999"
cap qstat-known-and-unknown-ids.txt "job $F exists (finished), 999999 does not" "$U" "qstat $F 999999"
cap qdel-unknown-id.txt "job id 999999 never existed" "$U" "qdel 999999"

# ---------- submission errors ----------
cap qsub-error-unknown-option.txt "option -bogus does not exist" "$U" "qsub -bogus sleep120.sh"
cap qsub-error-walltime.txt "walltime is not a time" "$U" "qsub -l walltime=abc -o /dev/null -e /dev/null sleep120.sh"
cap qsub-error-queue.txt "queue (SLURM partition) nosuch does not exist" "$U" "qsub -q nosuch -o /dev/null -e /dev/null sleep120.sh"
cap qsub-sbatchline-name-with-space.txt "the wrapper pastes options into a shell line unquoted: a job name with a space" "$U" \
  "qsub -sbatchline -N 'has space' -o /dev/null -e /dev/null sleep120.sh"
cap qsub-error-name-with-space.txt "job name with a space: the unquoted sbatch line takes 'space' for the script" "$U" \
  "qsub -N 'has space' -o /dev/null -e /dev/null sleep120.sh"
cap qsub-error-script-missing.txt "the script file does not exist" "$U" "qsub -o /dev/null -e /dev/null nosuch.sh"
run_as "$U" "scancel $R $Q $HOLD $AT $AJ $ES $DIR $DT $DJ $F" >/dev/null 2>&1 || true   # leftovers of this run

# ---------- optional (~90 s): what a walltime kill leaves in the job's stderr ----------
if [ "${CAPTURE_TIMELIMIT:-0}" = 1 ]; then
  script walltime.sh '#!/bin/bash
#PBS -l walltime=00:00:30
echo started >&2
sleep 600'
cap qsub-walltime.txt "a job with walltime 30 s (the wrappers round up to 1 min) that sleeps 600 s" "$U" "qsub -o $W/walltime.out -e $W/walltime.err walltime.sh"
TL=$CAP_OUT
wait_for 240 "job $TL killed at its time limit" gone_or_done "$TL"
sleep 1
cap qstat-f-walltime.txt "job $TL killed at its time limit: C like any other end" "$U" "qstat -f $TL"
{ printf '# command: cat walltime.err\n# context: the stderr file (-e) of job %s, killed at its time limit: SLURM says why, qstat does not\n# exit code: 0\n' "$TL"
  cat "$W/walltime.err"; } >"$FIX/stderr-walltime-kill.txt"
log "stderr-walltime-kill.txt"
fi
log "done"
