/**
 * The POSIX sh scripts the ssh scheduler runs on the host. They are constants: every value (paths,
 * job names, setup text, the command) reaches them as an argv word or a stdin line, never spliced
 * into the script text, and the argv is quoted by core's `argvToShell`. `build*` return the argv.
 *
 * Per job folder, the scheduler keeps its own markers in `.clustrix-ssh/`:
 *   launched.<k>/   made (atomically, mkdir) when task k is launched — a retried launch is a no-op
 *   pid.<k>         the task's process group id (the detached wrapper is its session/group leader)
 *   timeout.<k>     the time limit ended task k       cancelled   the job was cancelled
 * where k is `job` for a single job and the array index otherwise. The exit code lands where the
 * job-folder protocol says (`exit_code`, `exit_codes/<i>`), written atomically after the method.
 */

/** Folder of the scheduler's markers inside a job folder. */
export const MARKERS = '.clustrix-ssh';

/** Runs detached in its own session: records the group, runs setup + the command, records the exit code. */
export const TASK_SCRIPT = `d=$1 k=$2 secs=$3 setup=$4
shift 4
m=$d/${MARKERS}
echo $$ >"$m/pid.$k.tmp" && mv -f "$m/pid.$k.tmp" "$m/pid.$k"
[ -e "$m/cancelled" ] && exit 0
if [ "$k" = job ]; then out=$d/stdout err=$d/stderr ec=$d/exit_code
else out=$d/logs/$k.out err=$d/logs/$k.err ec=$d/exit_codes/$k
  CLUSTRIX_ARRAY_INDEX=$k; export CLUSTRIX_ARRAY_INDEX
  mkdir -p "$d/logs" "$d/exit_codes"
fi
trap 'cancelled=1' TERM INT HUP
cd "$d" || exit 1
{
  eval "$setup"
  if [ -n "$secs" ]; then timeout --foreground -s TERM -k 10 "$secs" "$@"; else "$@"; fi
} >>"$out" 2>>"$err"
c=$?
if [ -n "$secs" ] && [ "$c" -eq 124 ]; then printf '' >"$m/timeout.$k"; kill -TERM -$$ 2>/dev/null; fi
echo "$c" >"$ec.tmp" && mv -f "$ec.tmp" "$ec"
`;

/** Launches the given tasks of one job (once each), detached; prints `started <k> <pgid>` or `again <k>`. */
export const LAUNCH_SCRIPT = `umask 077
d=$1 secs=$2 setup=$3 keys=$4 task=$5
shift 5
m=$d/${MARKERS}
mkdir -p "$m" || exit 3
if [ -e "$m/cancelled" ]; then echo cancelled; exit 0; fi
command -v setsid >/dev/null 2>&1 || { echo "setsid (util-linux) is not installed on this host" >&2; exit 4; }
for k in $keys; do
  if mkdir "$m/launched.$k" 2>/dev/null; then
    setsid /bin/sh -c "$task" clustrix-task "$d" "$k" "$secs" "$setup" "$@" </dev/null >/dev/null 2>&1 &
    echo "started $k $!"
  else
    echo "again $k"
  fi
done
`;

/** Reads `<jobId> <k>` lines on stdin; prints `<jobId> <k> <S> [n]` per task (see parseStatus). */
export const STATUS_SCRIPT = `root=$1
alive() {
  kill -0 "-$1" 2>/dev/null || return 1
  [ -r "/proc/$1/stat" ] || return 0
  read -r s <"/proc/$1/stat" || return 0
  s=\${s##*) }
  [ "\${s%% *}" != Z ]
}
ended() {
  read -r c <"$ec" || c=
  if [ -e "$m/timeout.$k" ]; then echo "$id $k T $c"
  elif [ -e "$m/cancelled" ] && [ "$c" != 0 ]; then echo "$id $k C $c"
  else echo "$id $k E $c"; fi
}
while read -r id k; do
  [ -n "$id" ] || continue
  d=$root/$id m=$root/$id/${MARKERS}
  if [ "$k" = job ]; then ec=$d/exit_code; else ec=$d/exit_codes/$k; fi
  if [ -f "$ec" ]; then ended
  elif [ -f "$m/pid.$k" ]; then
    read -r p <"$m/pid.$k" || p=
    if [ -n "$p" ] && alive "$p"; then echo "$id $k R $p"
    elif [ -f "$ec" ]; then ended
    elif [ -e "$m/cancelled" ]; then echo "$id $k C"
    else echo "$id $k L $p"; fi
  elif [ -d "$m/launched.$k" ]; then echo "$id $k P"
  elif [ -e "$m/cancelled" ]; then echo "$id $k C"
  else echo "$id $k N"; fi
done
`;

/** Reads `<jobId> <k>` lines: marks the jobs cancelled, TERMs their process groups, KILLs them after $2 s. */
export const CANCEL_SCRIPT = `root=$1 grace=$2 pids=
while read -r id k; do
  [ -n "$id" ] || continue
  m=$root/$id/${MARKERS}
  mkdir -p "$m" 2>/dev/null
  printf '' >"$m/cancelled" 2>/dev/null
  if [ -f "$m/pid.$k" ]; then
    read -r p <"$m/pid.$k" || p=
    if [ -n "$p" ] && kill -TERM "-$p" 2>/dev/null; then pids="$pids $p"; echo "term $id $k $p"; fi
  fi
done
if [ -n "$pids" ]; then
  nohup /bin/sh -c 'sleep "$1"; shift; for p; do kill -KILL "-$p" 2>/dev/null; done' clustrix-kill "$grace" $pids </dev/null >/dev/null 2>&1 &
fi
`;

/** Waits (≤ $1 × 50 ms) until one of the files exists; prints a dot per round so a closed channel ends it. */
export const WAIT_SCRIPT = `n=$1
shift
i=0
while [ "$i" -lt "$n" ]; do
  for f; do if [ -e "$f" ]; then printf '\\n%s\\n' "$f"; exit 0; fi; done
  printf . || exit 0
  sleep 0.05 2>/dev/null || sleep 1
  i=$((i+1))
done
`;

/** Facts about the host, once per scheduler. */
export const PROBE_SCRIPT = `n=$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
echo "cpus $n"
for t in setsid timeout; do command -v "$t" >/dev/null 2>&1 && echo "has $t"; done
echo "os $(uname -s 2>/dev/null)"
`;

const SAFE_KEY = /^(job|\d+)$/;
const SAFE_ID = /^[A-Za-z0-9._-]+$/;

export function isSafeJobId(id: string): boolean {
  return SAFE_ID.test(id) && id !== '.' && id !== '..';
}

export interface LaunchSpec {
  jobDir: string;
  /** Time limit in seconds, or undefined. */
  seconds?: number;
  /** Shell text run before the command (the job's `setup` and `modules`). */
  setup: string;
  /** `job`, or array indices. */
  keys: Array<'job' | number>;
  /** The command: node, its options, the runner, the job folder. */
  command: readonly string[];
}

export function buildLaunch(spec: LaunchSpec): string[] {
  const keys = spec.keys.map(String);
  for (const k of keys) if (!SAFE_KEY.test(k)) throw new Error(`bad task key ${k}`);
  if (!spec.command.length) throw new Error('empty command');
  return ['/bin/sh', '-c', LAUNCH_SCRIPT, 'clustrix-launch', spec.jobDir, spec.seconds ? String(spec.seconds) : '', spec.setup, keys.join(' '), TASK_SCRIPT, ...spec.command];
}

export interface TaskKey {
  jobId: string;
  key: 'job' | number;
}

/** stdin for the status and cancel scripts: one `<jobId> <k>` line per task. */
export function taskLines(tasks: readonly TaskKey[]): string {
  return tasks
    .map((t) => {
      if (!isSafeJobId(t.jobId)) throw new Error(`job id '${t.jobId}' has characters the ssh scheduler cannot pass on a line`);
      return `${t.jobId} ${t.key}\n`;
    })
    .join('');
}

export function buildStatus(jobsRoot: string): string[] {
  return ['/bin/sh', '-c', STATUS_SCRIPT, 'clustrix-status', jobsRoot];
}

export function buildCancel(jobsRoot: string, graceSeconds: number): string[] {
  return ['/bin/sh', '-c', CANCEL_SCRIPT, 'clustrix-cancel', jobsRoot, String(graceSeconds)];
}

export function buildWait(files: readonly string[], rounds: number): string[] {
  return ['/bin/sh', '-c', WAIT_SCRIPT, 'clustrix-wait', String(rounds), ...files];
}

export function buildProbe(): string[] {
  return ['/bin/sh', '-c', PROBE_SCRIPT, 'clustrix-probe'];
}
