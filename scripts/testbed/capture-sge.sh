#!/usr/bin/env bash
# shellcheck disable=SC2016  # job scripts and inner shell code are written literally, in single quotes
# Capture real Son of Grid Engine 8.1.9 CLI output into packages/schedulers-sge/test/fixtures/ (format:
# capture-lib.sh). Needs the testbed of sge.sh (all.q with 8 slots, pe smp, h_vmem consumable). Jobs run
# as `clustrix` (SGE refuses root); `pbsuser` submits one job so that `-u '*'` shows another user. ~1 min.
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=capture-lib.sh
. "$HERE/capture-lib.sh"
export SGE_ROOT=/var/lib/gridengine SGE_CELL=default
U=${CAPTURE_USER:-clustrix}
U2=${CAPTURE_OTHER_USER:-pbsuser}
QSUB=/usr/bin/qsub   # pbsuser has the Torque wrappers first on PATH: name SGE's qsub explicitly for it
# CAPTURE_SGE_PARTS: which groups of captures to (re)make: `base` (everything below the job scripts) and/or
# `clustrix` (the directive block Clustrix renders, a PE job killed at h_rt); default both.
PARTS=" ${CAPTURE_SGE_PARTS:-base clustrix} "
cap_init "${1:-$REPO/packages/schedulers-sge/test/fixtures}"
cap qconf-sconf.txt "the global configuration (max_aj_tasks: the most tasks of one array job, read as the array limit; 0 is none)" "$U" "qconf -sconf"

states() { qstat -u '*' 2>/dev/null | awk -v j="$1" '$1==j {print $5}' | sort -u | tr '\n' ' '; }
has_state() { [[ " $(states "$1")" == *" $2 "* ]]; }
finished() { ! qstat -j "$1" >/dev/null 2>&1; }
in_qacct() { qacct -j "$1" >/dev/null 2>&1; }
all_done() { [ -z "$(qstat -u "$U" 2>/dev/null)" ]; }
wait_for 300 "no jobs of $U left in SGE" all_done

script sleep.sh '#!/bin/bash
sleep "${1:-60}"'
script exit3.sh '#!/bin/bash
echo "about to fail" >&2
exit 3'
script ok.sh '#!/bin/bash
echo "task ${SGE_TASK_ID}"'
script mixed.sh '#!/bin/bash
case "$SGE_TASK_ID" in
  1) exit 0 ;;
  2) exit 3 ;;
  3) sleep 300 ;;   # deleted by the capture script
  4) exit 0 ;;
esac'
script two.sh '#!/bin/bash
# each process stays below the per-process ulimit -v, together they exceed h_vmem: execd kills the job
/usr/bin/python3 -c "b = bytearray(600*1024*1024); import time; time.sleep(20)" &
/usr/bin/python3 -c "b = bytearray(600*1024*1024); import time; time.sleep(20)" &
wait'
script hog.sh '#!/bin/bash
exec /usr/bin/python3 -c "b = bytearray(500*1024*1024); import time; time.sleep(3)"'

script clustrix.sh "#!/bin/bash
#\$ -A 'proj-1'
#\$ -N 'Sim.run'
#\$ -S /bin/bash
#\$ -e '$W/out dir/logs/sge.err'
#\$ -l h_rt=0:01:30
#\$ -l h_vmem=600M
#\$ -o '$W/out dir/logs/sge.out'
#\$ -pe smp 2
#\$ -q 'all.q'
#\$ -t 1-5
#\$ -tc 2
#\$ -wd '$W/out dir'
echo \"task \$SGE_TASK_ID\""
script badname.sh "#!/bin/bash
#\$ -N 'my job'
true"

capture_clustrix() {
  mkdir -p "$W/out dir/logs"; chmod -R 777 "$W/out dir"
  cap qsub-terse-clustrix-directives.txt "the #\$ block Clustrix renders (values single-quoted, one option per line), held with -h" "$U" "qsub -terse -h clustrix.sh"
  [ "$CAP_RC" = 0 ] || die "qsub refused the Clustrix-style block (see $FIX/qsub-terse-clustrix-directives.txt)"
  local D=${CAP_OUT%%.*}
  cap qstat-j-clustrix-directives.txt "how SGE read that block: name, account, cwd, -o/-e with a space, h_rt, h_vmem, pe smp 2, tasks 1-5, concurrency 2" "$U" "qstat -j $D"
  run_as "$U" "qdel $D" >/dev/null
  cap qsub-error-name-space.txt "a #\$ -N value with a space: qmaster refuses it with an unhelpful message (Clustrix checks names first)" "$U" "qsub -terse badname.sh"
  local K
  K=$(run_as "$U" "qsub -terse -N hrtpe -pe smp 2 -l h_rt=0:0:5,h_vmem=700M -o /dev/null -j y sleep.sh 60")
  wait_for 60 "job $K killed by h_rt" in_qacct "$K"
  cap qacct-h_rt-pe.txt "job $K (-pe smp 2 -l h_rt=0:0:5,h_vmem=700M, sleep 60) killed at its run-time limit: category lists both, slots 2" "$U" "qacct -j $K"
}
if [[ $PARTS != *" base "* ]]; then
  capture_clustrix
  log "done"
  exit 0
fi

# ---------- error state Eqw first (it needs a free slot to fail on) ----------
E=$(run_as "$U" "qsub -terse -N badout -o /nonexistent/dir/out -j y sleep.sh 1")
wait_for 30 "job $E in Eqw" has_state "$E" Eqw

# ---------- submission and a queue with running / pending / held / array jobs ----------
cap qsub-terse-single.txt "submit one job (sleep.sh 120)" "$U" "qsub -terse -N running -o /dev/null -j y sleep.sh 120"
R=$CAP_OUT
cap qsub-terse-array.txt "submit an array of 4 tasks with mixed outcomes (1 ok, 2 exit 3, 3 deleted while running, 4 ok)" "$U" \
  "qsub -terse -N mixed -t 1-4 -o /dev/null -j y mixed.sh"
ARR=${CAP_OUT%%.*}
wait_for 30 "job $R running" has_state "$R" r
has3() { [[ "$(qstat -u "$U" | awk -v j="$ARR" '$1==j && $5=="r" {print $NF}')" == *3* ]]; }
wait_for 30 "task $ARR.3 running" has3
qdone() { local n; n=$(qstat -u "$U" | awk -v j="$ARR" '$1==j' | wc -l); [ "$n" -le 1 ]; }
wait_for 30 "array $ARR down to task 3" qdone
PA=$(run_as "$U" "qsub -terse -N partial -t 1-10 -o /dev/null -j y sleep.sh 60"); PA=${PA%%.*}
P=$(run_as "$U" "qsub -terse -N wants4 -pe smp 4 -o /dev/null -j y sleep.sh 1")
H=$(run_as "$U" "qsub -terse -N held -h -o /dev/null -j y sleep.sh 1")
O=$(run_as "$U2" "$QSUB -terse -N otheruser -h -o /dev/null -j y -b y true")
partial() { local s; s=$(states "$PA"); [[ $s == *qw* && $s == *r* ]]; }
wait_for 30 "array $PA partly running" partial
wait_for 30 "job $P scheduled and waiting" has_state "$P" qw
sleep 2
CTX="$R running; array $ARR task 3 running; array $PA (1-10, all.q has 8 slots) partly running, rest qw; $P (-pe smp 4) qw; $H held (hqw); $E in error (Eqw: -o into a missing dir); $O held, owned by $U2"
cap qstat-xml-user.txt "as $U: $CTX" "$U" "qstat -xml"
cap qstat-xml-all-users.txt "as $U with -u '*': $CTX" "$U" "qstat -xml -u '*'"
cap qstat-plain.txt "as $U: $CTX" "$U" "qstat"
cap qstat-j-running.txt "job $R running" "$U" "qstat -j $R"
cap qstat-j-error.txt "job $E in error state Eqw (its -o path does not exist)" "$U" "qstat -j $E"
cap qstat-j-pending.txt "job $P (-pe smp 4) waiting for 4 free slots" "$U" "qstat -j $P"
cap qdel-array.txt "delete array $PA: some tasks running, some pending" "$U" "qdel $PA"
cap qdel-pending.txt "delete job $P (pending) and $H (held)" "$U" "qdel $P $H"
cap qdel-error-job.txt "delete job $E (Eqw)" "$U" "qdel $E"
cap qdel-array-task.txt "delete task 3 of array $ARR while it runs" "$U" "qdel $ARR.3"
cap qdel-running.txt "delete job $R while it runs" "$U" "qdel $R"
cap qdel-other-user.txt "$U deletes job $O of $U2 (not allowed)" "$U" "qdel $O"
run_as "$U2" "/usr/bin/qdel $O" >/dev/null

# ---------- finished jobs: qstat -j and qacct ----------
C=$(run_as "$U" "qsub -terse -N ok -o /dev/null -j y ok.sh")
F=$(run_as "$U" "qsub -terse -N fail -o /dev/null -j y exit3.sh")
T=$(run_as "$U" "qsub -terse -N hrt -l h_rt=0:0:5 -o /dev/null -j y sleep.sh 60")
M=$(run_as "$U" "qsub -terse -N hog -l h_vmem=100M -o /dev/null -j y hog.sh")
V=$(run_as "$U" "qsub -terse -N two -l h_vmem=1G -o /dev/null -j y two.sh")
wait_for 30 "job $C finished" finished "$C"
cap qacct-just-finished.txt "job $C left qstat a moment ago (the accounting file is flushed every second)" "$U" "qacct -j $C"
cap qstat-j-finished.txt "job $C finished" "$U" "qstat -j $C"
cap qstat-j-finished-and-running.txt "job $C finished, job $T running" "$U" "qstat -j $C,$T"
wait_for 30 "job $C in qacct" in_qacct "$C"
cap qacct-completed.txt "job $C: script exited 0" "$U" "qacct -j $C"
wait_for 30 "job $F in qacct" in_qacct "$F"
cap qacct-exit3.txt "job $F: script exited 3" "$U" "qacct -j $F"
wait_for 30 "job $R in qacct" in_qacct "$R"
cap qacct-qdel-running.txt "job $R deleted with qdel while running" "$U" "qacct -j $R"
cap qacct-qdel-pending.txt "job $P deleted with qdel while pending: it never ran" "$U" "qacct -j $P"
wait_for 30 "job $M in qacct" in_qacct "$M"
cap qacct-h_vmem.txt "job $M (-l h_vmem=100M = ulimit -v) tried to allocate 500 MB: python MemoryError, exit 1" "$U" "qacct -j $M"
wait_for 60 "job $V killed for h_vmem" in_qacct "$V"
cap qacct-h_vmem-exceeded.txt "job $V (-l h_vmem=1G): two processes of 600 MB each, together over the limit: killed by SGE" "$U" "qacct -j $V"
wait_for 30 "array $ARR in qacct" finished "$ARR"
sleep 2
cap qacct-array-mixed.txt "array $ARR: task 1 exit 0, 2 exit 3, 3 deleted while running, 4 exit 0" "$U" "qacct -j $ARR"
cap qacct-array-deleted.txt "array $PA (1-10) deleted: some tasks ran, the rest never started" "$U" "qacct -j $PA"
wait_for 60 "job $T killed by h_rt" in_qacct "$T"
cap qacct-h_rt-exceeded.txt "job $T (-l h_rt=0:0:5, sleep 60) killed at its run-time limit" "$U" "qacct -j $T"
cap qacct-unknown-id.txt "job id 999999 never existed" "$U" "qacct -j 999999"
cap qstat-j-unknown-id.txt "job id 999999 never existed" "$U" "qstat -j 999999"
cap qstat-xml-empty.txt "no jobs of $U" "$U" "qstat -xml"
cap qdel-unknown-id.txt "job id 999999 never existed" "$U" "qdel 999999"

# ---------- submission errors ----------
cap qsub-error-unknown-option.txt "option -bogus does not exist" "$U" "qsub -terse -bogus sleep.sh 1"
cap qsub-error-h_rt.txt "h_rt value is not a time" "$U" "qsub -terse -l h_rt=abc -o /dev/null -j y sleep.sh 1"
cap qsub-error-pe.txt "parallel environment nosuch does not exist" "$U" "qsub -terse -pe nosuch 2 -o /dev/null -j y sleep.sh 1"
cap qsub-error-resource.txt "resource nosuch does not exist" "$U" "qsub -terse -l nosuch=1 -o /dev/null -j y sleep.sh 1"
cap qsub-error-h_vmem-too-big.txt "h_vmem above the host's capacity (consumable)" "$U" "qsub -terse -l h_vmem=10T -o /dev/null -j y sleep.sh 1"
if [ "$CAP_RC" = 0 ]; then
  BIG=$CAP_OUT; sleep 3
  cap qstat-j-h_vmem-too-big.txt "job $BIG asks h_vmem=10T, more than the host offers: accepted, never scheduled" "$U" "qstat -j $BIG"
  run_as "$U" "qdel $BIG" >/dev/null
fi
cap qsub-error-script-missing.txt "the script file does not exist" "$U" "qsub -terse -o /dev/null -j y nosuch.sh"
cap qsub-error-root.txt "root submits (uid below min_uid 1000)" root "qsub -terse -o /dev/null -j y sleep.sh 1"
if [[ $PARTS == *" clustrix "* ]]; then capture_clustrix; fi
log "done"
