#!/usr/bin/env bash
# shellcheck disable=SC2016  # job scripts are written literally, in single quotes
# Capture real output of OpenPBS (openpbs.sh: a real PBS server built from source) into
# packages/schedulers-pbs/test/fixtures/openpbs/ (format: capture-lib.sh). Jobs run as `pbstest`
# (/opt/pbs/bin first on its PATH). ~15 s; CAPTURE_NODE_DOWN=1 adds ~15 s that kill and restart pbs_mom.
# Run as root after openpbs.sh.
# The status captures use exactly what the pbspro flavour runs each cycle: `qstat -f -x [-t] ids...`.
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=capture-lib.sh
. "$HERE/capture-lib.sh"
U=${PBS_TEST_USER:-pbstest}
PBS=/opt/pbs/bin
[ -x $PBS/qstat ] || die "OpenPBS is not installed: run openpbs.sh first"
cap_init "${1:-$REPO/packages/schedulers-pbs/test/fixtures/openpbs}"
cap qmgr-list-server.txt "the server's attributes (max_array_size: the most subjobs of one array, read as the array limit)" "$U" "$PBS/qmgr -c 'list server'"
state() { $PBS/qstat -f -x "$1" 2>/dev/null | awk '$1=="job_state"{print $3}'; }
is() { [ "$(state "$1")" = "$2" ]; }
has_out() { [ -s "$1" ]; }
node_idle() { $PBS/pbsnodes -v "$(hostname -s)" 2>/dev/null | grep -q 'resources_assigned.ncpus = 0$'; }
node_idle || log "waiting (up to 10 min) for the PBS node to be idle"
wait_for 600 "node idle" node_idle

script sleep.sh '#!/bin/bash
sleep "${1:-60}"'
script ok.sh '#!/bin/bash
echo hello'
script exit3.sh '#!/bin/bash
echo "about to fail" >&2
exit 3'
script hog.sh '#!/bin/bash
python3 -c "import time; x = bytearray(300 * 1024 * 1024); time.sleep(20)"'
script wall.sh '#!/bin/bash
echo started
sleep 60'
script env.sh '#!/bin/bash
env | grep -E "^(PBS_|TMPDIR=|NCPUS=|OMP_NUM_THREADS=)" | grep -v "^PBS_JOBCOOKIE=" | sort
sleep 3'
script arrfail.sh '#!/bin/bash
[ "$PBS_ARRAY_INDEX" = 1 ] && exit 3
exit 0'
script directives.sh "#!/bin/bash
#PBS -N from-directives
#PBS -S /bin/bash
#PBS -A clx-acct
#PBS -q workq
#PBS -l select=1:ncpus=2:mem=600mb
#PBS -l walltime=00:05:00
#PBS -k oed
#PBS -o $W/directives.out
#PBS -e $W/directives.err
echo from directives"

cap qstat-version.txt "what the pbs scheduler asks once per connection to tell PBS Pro/OpenPBS from Torque" "$U" "qstat --version"
if id "${PBS_USER:-pbsuser}" >/dev/null 2>&1; then   # the other answer: pbs.sh's Torque wrappers (SLURM)
  cap qstat-version-torque-wrappers.txt "the same question to SLURM's Torque wrappers (pbs.sh, user ${PBS_USER:-pbsuser}): Perl refuses the option" "${PBS_USER:-pbsuser}" "qstat --version"
fi

# ---------- submission and jobs that are still in the server ----------
cap qsub-single.txt "submit one job (sleep 60), -k oed: written directly to -o/-e" "$U" "qsub -N running -k oed -o $W/running.out -e $W/running.err sleep.sh"
R=$CAP_OUT
cap qsub-array.txt "submit an array -J 0-3 with at most 2 subjobs at a time (%2), per-subjob output ^array_index^" "$U" \
  "qsub -N arr -J 0-3%2 -k oed -o $W/arr.^array_index^.out -e $W/arr.^array_index^.err env.sh"
A=$CAP_OUT
Q=$(run_as "$U" "qsub -N too-big -l select=1:ncpus=64 -o /dev/null -e /dev/null sleep.sh")
H=$(run_as "$U" "qsub -N held -h -o /dev/null -e /dev/null sleep.sh")
wait_for 20 "job $R running" is "$R" R
wait_for 20 "array $A begun" is "$A" B
sleep 2   # one scheduler cycle: the queued job's comment says why it waits
cap qstat-fx-active.txt "job $R running, $Q asking more CPUs than the node has (queued, with the scheduler's comment), $H held (qsub -h)" "$U" "qstat -f -x $R $Q $H"
cap qstat-fxt-array-running.txt "array $A (-J 0-3%2) while its first subjobs run: parent B, subjobs R and Q" "$U" "qstat -f -x -t $A"
cap qsub-directives.txt "script with #PBS -N, -S, -A, -q, -l select=1:ncpus=2:mem=600mb, -l walltime, -k oed, -o/-e (as Clustrix renders them)" "$U" "qsub directives.sh"
D=$CAP_OUT

# ---------- every way a job ends ----------
OK=$(run_as "$U" "qsub -N ok -o $W/ok.out -e $W/ok.err ok.sh")
E3=$(run_as "$U" "qsub -N exit3 -o $W/exit3.out -e $W/exit3.err exit3.sh")
WT=$(run_as "$U" "qsub -N wall -l walltime=00:00:03 -k oed -o $W/wall.out -e $W/wall.err wall.sh")
MEM=$(run_as "$U" "qsub -N hog -l select=1:ncpus=1:mem=50mb -k oed -o $W/hog.out -e $W/hog.err hog.sh")
AF=$(run_as "$U" "qsub -N arrfail -J 0-2 -o /dev/null -e /dev/null arrfail.sh")
ENV1=$(run_as "$U" "qsub -N envjob -k oed -o $W/env-single.out -e /dev/null env.sh")
cap qdel-running.txt "delete job $R while it runs" "$U" "qdel $R"
cap qdel-queued.txt "delete job $Q (queued) and $H (held): neither ever ran" "$U" "qdel $Q $H"
for j in "$R" "$Q" "$H" "$OK" "$E3" "$WT" "$MEM" "$A" "$AF" "$D" "$ENV1"; do wait_for 60 "job $j finished" is "$j" F; done
cap qstat-fx-finished.txt "finished (job history): $OK exit 0, $E3 exit 3, $WT over its walltime of 3 s, $MEM over -l mem=50mb (MoM \$enforce mem), $R qdel while running, $Q qdel while queued, $H qdel while held; 999999.$(hostname -s) never existed" \
  "$U" "qstat -f -x $OK $E3 $WT $MEM $R $Q $H 999999.$(hostname -s)"
cap qstat-fxt-array-finished.txt "array $A (-J 0-3%2) finished, all subjobs exit 0" "$U" "qstat -f -x -t $A"
cap qstat-fxt-array-failed.txt "array $AF (-J 0-2) finished, subjob 1 exited 3" "$U" "qstat -f -x -t $AF"
cap qstat-fx-directives.txt "job $D submitted with the #PBS lines of qsub-directives.txt, finished" "$U" "qstat -f -x $D"
cap qstat-fx-json-finished.txt "the same finished jobs in JSON (-F json): numbers are JSON numbers, sizes and times strings" "$U" "qstat -f -x -F json $OK $E3 $WT $MEM $R $Q"
{ printf '# command: cat wall.err hog.err\n# context: the -e files of %s (walltime) and %s (mem): what MoM writes when it kills a job at a limit\n# exit code: 0\n' "$WT" "$MEM"
  cat "$W/wall.err" "$W/hog.err"; } >"$FIX/stderr-limit-kills.txt"
log "stderr-limit-kills.txt"

# ---------- environment inside a job and a subjob ----------
envfix() { # file context outfile
  { printf '# command: env | grep -E "^(PBS_|TMPDIR=|NCPUS=|OMP_NUM_THREADS=)" | grep -v "^PBS_JOBCOOKIE=" | sort\n# context: %s\n# exit code: 0\n' "$2"; cat "$3"; } >"$FIX/$1"
  log "$1"; }
wait_for 20 "env of job $ENV1" has_out "$W/env-single.out"
envfix env-single-job.txt "run INSIDE job $ENV1 (qsub -N envjob env.sh, submitted from $W); its -o file" "$W/env-single.out"
envfix env-array-subjob.txt "run INSIDE subjob 1 of array $A (qsub -N arr -J 0-3%2 env.sh); its -o file" "$W/arr.1.out"

# ---------- errors ----------
cap qstat-f-finished-without-x.txt "job $OK finished; without -x qstat refuses it" "$U" "qstat -f $OK"
cap qstat-fx-unknown-id.txt "job id 999999 never existed" "$U" "qstat -f -x 999999.$(hostname -s)"
cap qdel-unknown-id.txt "job id 999999 never existed" "$U" "qdel 999999.$(hostname -s)"
cap qdel-finished.txt "job $OK already finished" "$U" "qdel $OK"
cap qsub-error-queue.txt "queue nosuch does not exist" "$U" "qsub -q nosuch -o /dev/null -e /dev/null ok.sh"
cap qsub-error-walltime.txt "walltime is not a time" "$U" "qsub -l walltime=bogus -o /dev/null -e /dev/null ok.sh"
cap qsub-error-resource.txt "a resource the server does not know" "$U" "qsub -l nosuchres=1 -o /dev/null -e /dev/null ok.sh"
cap qsub-error-array-one.txt "an array of one index (Clustrix submits a one-item map as a plain job)" "$U" "qsub -J 0-0 -o /dev/null -e /dev/null ok.sh"
# ---------- optional (~15 s): the node goes down under two running jobs (kills and restarts pbs_mom) ----------
if [ "${CAPTURE_NODE_DOWN:-0}" = 1 ]; then
  script sleep30.sh '#!/bin/bash
sleep 30'
  NR=$(run_as "$U" "qsub -N rerun -o /dev/null -e /dev/null sleep30.sh")
  NN=$(run_as "$U" "qsub -N norerun -r n -o /dev/null -e /dev/null sleep30.sh")
  wait_for 20 "job $NR running" is "$NR" R; wait_for 20 "job $NN running" is "$NN" R
  MOM=$(cat /var/spool/pbs/mom_priv/mom.lock)
  [ "$(cat /proc/"$MOM"/comm)" = pbs_mom ] || die "mom.lock does not name pbs_mom"
  kill -9 "$MOM"
  wait_for 30 "job $NN ended" is "$NN" F; wait_for 30 "job $NR requeued" is "$NR" Q
  cap qstat-fx-node-down.txt "node $(hostname -s) down (pbs_mom killed with SIGKILL while both jobs ran; server node_fail_requeue = $($PBS/qmgr -c 'list server node_fail_requeue' | awk '/node_fail_requeue/{print $3}')): $NR (rerunnable, the default) requeued, $NN (qsub -r n) ended" \
    "$U" "qstat -f -x $NR $NN"
  setsid /opt/pbs/sbin/pbs_mom </dev/null >/dev/null 2>&1
  $PBS/qdel "$NR" 2>/dev/null || true
  node_free() { $PBS/pbsnodes -v "$(hostname -s)" 2>/dev/null | grep -q 'state = free'; }
  wait_for 30 "node free again after pbs_mom restarted" node_free
fi
log "done"
