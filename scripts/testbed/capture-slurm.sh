#!/usr/bin/env bash
# shellcheck disable=SC2016  # job scripts and inner shell code are written literally, in single quotes
# Capture real SLURM 22.05 CLI output into packages/schedulers-slurm/test/fixtures/ (see capture-lib.sh for
# the file format). Needs the testbed of slurm.sh (SLURM_CPUS=8, slurmdbd, --mem enforced); jobs run as
# `clustrix`. Takes ~2 min (the TIMEOUT job needs ~80 s). Job ids differ from run to run.
# The aged-out (MinJobAge) and .extern captures need a SLURM restart: capture-slurm-aged.sh.
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=capture-lib.sh
. "$HERE/capture-lib.sh"
U=${CAPTURE_USER:-clustrix}
cap_init "${1:-$REPO/packages/schedulers-slurm/test/fixtures}"
cap scontrol-show-config.txt "the controller's configuration (MaxArraySize: the most items of one array, read as the array limit)" "$U" "scontrol show config"
SQ="squeue --noheader --array --states=all --format='%i|%T|%r|%k'"
SA="sacct --noheader --parsable2 --allocations --format=JobID,JobName,State,ExitCode,Reason,Elapsed,Timelimit"
sq_state() { squeue -h --array -t all -o %T -j "$1" 2>/dev/null | sort -u | tr '\n' ' '; }
is_state() { [ "$(sq_state "$1")" = "$2 " ]; }
sacct_state() { sacct -n -X -P -o State -j "$1" 2>/dev/null | head -1; }
sacct_is() { case "$(sacct_state "$1")" in $2*) return 0;; *) return 1;; esac; }

script sleep.sh '#!/bin/bash
sleep "${1:-60}"'
script exit3.sh '#!/bin/bash
echo "about to fail" >&2
exit 3'
script steps.sh '#!/bin/bash
srun --quiet true
echo done'
script stubborn.sh '#!/bin/bash
trap "" TERM   # ignore SIGTERM (inherited by sleep), so the job stays COMPLETING until KillWait (5 s) ends
sleep 300'
script hog.sh '#!/bin/bash
exec /usr/bin/python3 -c "b = bytearray(500*1024*1024); import time; time.sleep(10)"'
script mixed.sh '#!/bin/bash
case "$SLURM_ARRAY_TASK_ID" in
  0) exit 0 ;;
  1) exit 3 ;;
  2) sleep 300 ;;   # cancelled by the capture script
  3) exec /usr/bin/python3 -c "b = bytearray(500*1024*1024); import time; time.sleep(10)" ;;  # > --mem
esac'

# the scenarios assume an otherwise idle node (others' test jobs would steal the CPUs)
node_idle() { [ "$(sinfo -h -n "$(hostname -s)" -o %t)" = idle ]; }
node_idle || log "waiting (up to 10 min) for the node to be idle"
wait_for 600 "node $(hostname -s) idle" node_idle

# ---------- long-running first: TIMEOUT takes ~80 s ----------
TO=$(run_as "$U" "sbatch --parsable -J timeout -o /dev/null --time=1 sleep.sh 300")
log "timeout job $TO submitted (ends TIMEOUT after ~80 s)"

# ---------- submission ----------
cap sbatch-parsable-single.txt "submit one batch job (script sleep.sh 120)" "$U" \
  "sbatch --parsable -J running -o /dev/null sleep.sh 120"
R=$CAP_OUT
cap squeue-just-submitted.txt "job $R submitted less than a second ago" "$U" "$SQ --jobs=$R"
cap sacct-just-submitted.txt "job $R submitted less than a second ago (sacct reads slurmdbd, which lags 1-3 s)" "$U" "$SA --jobs=$R"
cap sbatch-parsable-array.txt "submit an array of 4 tasks with mixed outcomes (0 ok, 1 exit 3, 2 cancelled, 3 over --mem)" "$U" \
  "sbatch --parsable -J mixed -o /dev/null --mem=50M --array=0-3 mixed.sh"
ARR=$CAP_OUT
wait_for 20 "job $R running" is_state "$R" RUNNING
cap squeue-running.txt "job $R running (sleep 120)" "$U" "$SQ --jobs=$R"
cap scontrol-show-job-running.txt "job $R running (sleep 120)" "$U" "scontrol show job -o $R"

# ---------- pending with reasons ----------
P1=$(run_as "$U" "sbatch --parsable -J big1 -o /dev/null -c 8 sleep.sh 1")   # needs all 8 CPUs: Resources
P2=$(run_as "$U" "sbatch --parsable -J big2 -o /dev/null -c 8 sleep.sh 1")   # behind P1: Priority
D=$(run_as "$U" "sbatch --parsable -J dep -o /dev/null --dependency=afterok:$R sleep.sh 1")
H=$(run_as "$U" "sbatch --parsable -J held -o /dev/null -H sleep.sh 1")
B=$(run_as "$U" "sbatch --parsable -J later -o /dev/null --begin=now+3600 sleep.sh 1")
AH=$(run_as "$U" "sbatch --parsable -J heldarr -o /dev/null -H --array=0-3 sleep.sh 1")
reasons_set() { [ "$(squeue -h -o %r -j "$P2")" = Priority ] && [ "$(squeue -h -o %r -j "$P1")" = Resources ]; }
wait_for 20 "pending reasons Resources/Priority" reasons_set
cap squeue-pending-reasons.txt "while $R runs: $P1 (-c 8) Resources, $P2 (-c 8) Priority, $D Dependency (afterok:$R), $H held (-H), $B --begin=now+3600, array $AH held" "$U" \
  "$SQ --jobs=$P1,$P2,$D,$H,$B,$AH"
cap scontrol-show-job-pending.txt "job $P1 pending (Resources: asks for all 8 CPUs while another job runs)" "$U" "scontrol show job -o $P1"
cap sacct-array-pending.txt "array $AH (0-3) submitted held: no task has started" "$U" "$SA --jobs=$AH"
run_as "$U" "scancel $P1 $P2 $D $B $AH"

# ---------- array partly running ----------
PA=$(run_as "$U" "sbatch --parsable -J partial -o /dev/null -c 2 --array=0-11 sleep.sh 60")
partial() { local s; s=$(sq_state "$PA"); [[ $s == *PENDING* && $s == *RUNNING* ]]; }
wait_for 20 "array $PA partly running" partial
sacct_has() { [ -n "$(sacct -n -X -o JobID -j "$1" 2>/dev/null)" ]; }
wait_for 20 "sacct knows array $PA" sacct_has "$PA"
cap squeue-array-partial.txt "array $PA (0-11, -c 2 each, 8 CPUs on the node, job $R also running): some tasks running, the rest pending" "$U" "$SQ --jobs=$PA"
cap sacct-array-partial.txt "array $PA (0-11): some tasks running, the rest pending" "$U" "$SA --jobs=$PA"
run_as "$U" "scancel $PA"

# ---------- completing ----------
K=$(run_as "$U" "sbatch --parsable -J stubborn -o /dev/null stubborn.sh")
wait_for 20 "job $K running" is_state "$K" RUNNING
run_as "$U" "scancel $K"; sleep 1
cap squeue-completing.txt "job $K cancelled 1 s ago; its processes ignore SIGTERM, so it is COMPLETING until KillWait (5 s)" "$U" "$SQ --jobs=$K"

# ---------- finished: completed, failed, cancelled running/pending ----------
C=$(run_as "$U" "sbatch --parsable -J ok -o /dev/null steps.sh")
F=$(run_as "$U" "sbatch --parsable -J fail -o /dev/null exit3.sh")
wait_for 20 "job $ARR task 2 running" is_state "${ARR}_2" RUNNING
run_as "$U" "scancel ${ARR}_2"
run_as "$U" "scancel $R $H"
wait_for 30 "jobs $C $F finished" sacct_is "$F" FAILED
wait_for 30 "job $C in sacct" sacct_is "$C" COMPLETED
sleep 2
cap squeue-completed.txt "job $C finished (exit 0), younger than MinJobAge (300 s)" "$U" "$SQ --jobs=$C"
cap squeue-failed.txt "job $F finished with exit 3" "$U" "$SQ --jobs=$F"
cap squeue-cancelled.txt "job $R cancelled while running, job $H cancelled while pending (held)" "$U" "$SQ --jobs=$R,$H"
cap scontrol-show-job-completed.txt "job $C finished (exit 0), younger than MinJobAge" "$U" "scontrol show job -o $C"
cap scontrol-show-job-failed.txt "job $F finished with exit 3" "$U" "scontrol show job -o $F"
cap sacct-completed.txt "job $C finished (exit 0; its script ran one srun step)" "$U" "$SA --jobs=$C"
cap sacct-completed-steps.txt "job $C finished; without --allocations: the .batch step and the srun step .0" "$U" \
  "sacct --noheader --parsable2 --format=JobID,JobName,State,ExitCode,Reason,Elapsed,Timelimit --jobs=$C"
cap sacct-failed-exit3.txt "job $F: script exited 3" "$U" "$SA --jobs=$F"
cap sacct-cancelled-running.txt "job $R cancelled by its owner while running" "$U" "$SA --jobs=$R"
cap sacct-cancelled-pending.txt "job $H cancelled by its owner while pending (held)" "$U" "$SA --jobs=$H"
cap sacct-cancelled-array-pending.txt "array $AH cancelled before any task started" "$U" "$SA --jobs=$AH"

# ---------- memory: --mem=50M, the job allocates 500 MB (OverMemoryKill) ----------
M=$(run_as "$U" "sbatch --parsable -J hog -o /dev/null --mem=50M hog.sh")
wait_for 30 "job $M killed" sacct_is "$M" FAILED
cap sacct-mem-exceeded-early.txt "job $M (--mem=50M, allocates 500 MB) killed for memory a moment ago (slurmdbd may not have the complete record yet)" "$U" "$SA --jobs=$M"
sleep 3
cap squeue-mem-exceeded.txt "job $M (--mem=50M) allocated 500 MB and was killed by jobacct_gather OverMemoryKill (no cgroups here)" "$U" "$SQ --jobs=$M"
cap sacct-mem-exceeded.txt "job $M (--mem=50M) allocated 500 MB and was killed by jobacct_gather OverMemoryKill (no cgroups here: FAILED, not OUT_OF_MEMORY)" "$U" "$SA --jobs=$M"
cap sacct-mem-exceeded-steps.txt "job $M killed for memory; without --allocations (the .batch step)" "$U" \
  "sacct --noheader --parsable2 --format=JobID,JobName,State,ExitCode,Reason,Elapsed,Timelimit,MaxRSS,ReqMem --jobs=$M"
cap scontrol-show-job-mem-exceeded.txt "job $M killed for exceeding --mem=50M" "$U" "scontrol show job -o $M"

# ---------- the mixed array ----------
arr_done() { [ -z "$(squeue -h --array -t pending,running,completing -j "$ARR" 2>/dev/null)" ]; }
wait_for 30 "array $ARR finished" arr_done
sleep 2
cap squeue-array-mixed.txt "array $ARR finished: task 0 exit 0, 1 exit 3, 2 cancelled while running, 3 killed over --mem=50M" "$U" "$SQ --jobs=$ARR"
cap sacct-array-mixed.txt "array $ARR finished: task 0 exit 0, 1 exit 3, 2 cancelled while running, 3 killed over --mem=50M" "$U" "$SA --jobs=$ARR"

# ---------- one batched query over jobs in every state (what a watcher sends) ----------
Q=$(run_as "$U" "sbatch --parsable -J queued -o /dev/null -H sleep.sh 1")
N=$(run_as "$U" "sbatch --parsable -J now -o /dev/null sleep.sh 60")
wait_for 20 "job $N running" is_state "$N" RUNNING
cap squeue-mixed.txt "one query: $N running, $Q pending (held), $C completed, $F failed, $R cancelled, array $ARR mixed, $TO running (will time out)" "$U" \
  "$SQ --jobs=$N,$Q,$C,$F,$R,$ARR,$TO"
cap sacct-mixed.txt "one query: $N running, $Q pending (held), $C completed, $F failed, $R cancelled, array $ARR mixed, $TO running (will time out)" "$U" \
  "$SA --jobs=$N,$Q,$C,$F,$R,$ARR,$TO"
run_as "$U" "scancel $N $Q"

# ---------- errors ----------
cap squeue-unknown-id.txt "job id 999999 never existed (same text once a job is older than MinJobAge)" "$U" "$SQ --jobs=999999"
cap squeue-known-and-unknown-ids.txt "job $C exists (finished), 999999 does not" "$U" "$SQ --jobs=$C,999999"
cap scontrol-show-job-unknown-id.txt "job id 999999 never existed" "$U" "scontrol show job -o 999999"
cap sacct-unknown-id.txt "job id 999999 never existed" "$U" "$SA --jobs=999999"
cap scancel-unknown-id.txt "job id 999999 never existed (22.05: silent, rc 0)" "$U" "scancel 999999"
cap scancel-verbose-unknown-id.txt "job id 999999 never existed, with -v" "$U" "scancel -v 999999"
cap scancel-finished.txt "job $C already finished" "$U" "scancel $C"
cap sbatch-error-partition.txt "partition nosuch does not exist" "$U" "sbatch --parsable -p nosuch -o /dev/null sleep.sh 1"
cap sbatch-error-time.txt "--time value is not a time" "$U" "sbatch --parsable --time=abc -o /dev/null sleep.sh 1"
cap sbatch-error-unknown-option.txt "option --bogus does not exist" "$U" "sbatch --parsable --bogus -o /dev/null sleep.sh 1"
cap sbatch-error-mem.txt "--mem larger than the node's RealMemory" "$U" "sbatch --parsable --mem=10T -o /dev/null sleep.sh 1"
cap sbatch-cpus-too-many.txt "-c 64 on a partition whose only node has 8 CPUs: accepted, never runs" "$U" "sbatch --parsable -c 64 -o /dev/null sleep.sh 1"
TOOBIG=$CAP_OUT
cap squeue-pending-partitionconfig.txt "job $TOOBIG asks -c 64, the node has 8 CPUs: pending forever" "$U" "$SQ --jobs=$TOOBIG"
run_as "$U" "scancel $TOOBIG"
cap sbatch-error-script-missing.txt "the script file does not exist" "$U" "sbatch --parsable -o /dev/null nosuch.sh"

# ---------- TIMEOUT (--time=1 is 1 minute; the kill comes ~80 s after the start) ----------
log "waiting for job $TO to time out"
wait_for 150 "job $TO TIMEOUT" sacct_is "$TO" TIMEOUT
sleep 1
cap squeue-timeout.txt "job $TO ran into its 1-minute limit (--time=1)" "$U" "$SQ --jobs=$TO"
cap sacct-timeout.txt "job $TO ran into its 1-minute limit (--time=1)" "$U" "$SA --jobs=$TO"
cap scontrol-show-job-timeout.txt "job $TO ran into its 1-minute limit (--time=1)" "$U" "scontrol show job -o $TO"
log "done"
