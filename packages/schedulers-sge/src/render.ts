/**
 * The SGE job script, as a pure function: `#$` directives (one option per line, sorted by flag) and
 * core's shared body. SGE reads a `#$` line with its own small parser, not a shell: a quote of either
 * kind toggles quoting and is dropped, there is no escape, and `#` ends the line even inside quotes.
 * So free-form values are single-quoted (that keeps spaces) and a value holding `'`, `"`, `#` or a
 * control character is refused with a BadValueError before anything is submitted (encode.ts);
 * generated values (numbers, validated names) are written bare: SGE does not accept `-pe 'smp' 4`.
 */
import { checkJobSpec, ConfigError, renderBody, renderScript, type BatchJobSpec, type Resources } from '@clustrix/core/scheduler';
import { checkedSgeJobName, encodeSgePath, encodeSgeValue, encodeSgeWord } from './encode.js';
import { sgeSettings, type SgeSettings } from './options.js';

/** Complexes that SGE enforces as an address-space limit (setrlimit RLIMIT_AS, multiplied by the slots). */
export const ADDRESS_SPACE_RESOURCES: ReadonlySet<string> = new Set(['h_vmem', 's_vmem']);
/** Node 20 reserves this much address space before it runs anything (measured on the testbed: it aborts below ~800M). */
export const NODE_MIN_ADDRESS_SPACE_MIB = 1024;

/**
 * The job name: `jobName` as given (checked against SGE's rules, encode.ts), else the label with
 * anything SGE might refuse replaced by `_`.
 */
export function sgeJobName(spec: BatchJobSpec): string {
  const given = spec.resources.jobName;
  if (given !== undefined) return checkedSgeJobName(given);
  const name = (spec.label ?? 'clustrix').replace(/[^A-Za-z0-9_.-]/g, '_');
  return /^\d/.test(name) ? `j${name}` : name || 'clustrix';
}

/** `h_rt` as H:MM:SS (SGE takes any number of hours). */
export function sgeClock(seconds: number): string {
  const s = Math.ceil(seconds);
  return `${Math.floor(s / 3600)}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

/** `-l NAME=xM`: per slot unless `memoryPerSlot` is false. Refuses an address-space limit Node cannot start under. */
export function memoryRequest(r: Resources, s: SgeSettings): string | undefined {
  if (r.memoryMiB === undefined) return undefined;
  const slots = r.cpus ?? 1;
  const request = s.memoryPerSlot ? Math.ceil(r.memoryMiB / slots) : r.memoryMiB;
  if (ADDRESS_SPACE_RESOURCES.has(s.memoryResource) && request * slots < NODE_MIN_ADDRESS_SPACE_MIB) {
    throw new ConfigError(
      `\`memory\` ${r.memoryMiB}M is too small for SGE's ${s.memoryResource}: it limits the job's address space (ulimit -v, ${request}M x ${slots} slot${slots > 1 ? 's' : ''}) ` +
        `and Node needs about ${NODE_MIN_ADDRESS_SPACE_MIB}M of it just to start. Ask for at least ${NODE_MIN_ADDRESS_SPACE_MIB}M, ` +
        'or set the profile key `memoryResource` to a complex that is not an address-space limit (e.g. mem_free)',
      { scope: 'sge', keyPath: 'memory' },
    );
  }
  return `${s.memoryResource}=${request}M`;
}

/** The `#$` lines, sorted by flag (then value), one option per line. */
export function sgeDirectives(spec: BatchJobSpec): string[] {
  checkJobSpec(spec, 'sge'); // core's control-character gate, naming the key, before any encoder runs
  const r = spec.resources;
  const s = sgeSettings(spec.profile);
  const dir = spec.jobDir;
  const isArray = spec.count !== undefined;
  const lines: Array<[string, string]> = [
    ['-N', encodeSgeValue('jobName', sgeJobName(spec))],
    ['-S', '/bin/bash'],
    ['-wd', encodeSgePath(dir)],
    // A single job writes its stdout/stderr files directly; array tasks redirect themselves to
    // logs/<0-based index>.out|err (SGE names files by $TASK_ID, 1-based), so SGE's own files only
    // catch what the setup lines print, appended by every task.
    ['-o', encodeSgePath(isArray ? `${dir}/logs/sge.out` : `${dir}/stdout`)],
    ['-e', encodeSgePath(isArray ? `${dir}/logs/sge.err` : `${dir}/stderr`)],
  ];
  if (isArray) {
    lines.push(['-t', `1-${spec.count!}`]);
    if (spec.concurrency) lines.push(['-tc', String(spec.concurrency)]);
  }
  if (s.verifyRequests) lines.push(['-w', 'e']);
  if (r.timeSeconds !== undefined) lines.push(['-l', `h_rt=${sgeClock(r.timeSeconds)}`]);
  const memory = memoryRequest(r, s);
  if (memory) lines.push(['-l', memory]);
  if (r.cpus !== undefined && r.cpus > 1) lines.push(['-pe', `${s.parallelEnvironment} ${r.cpus}`]);
  if (r.queue !== undefined) lines.push(['-q', encodeSgeWord('queue', r.queue)]);
  if (r.account !== undefined) lines.push(['-A', encodeSgeWord('account', r.account)]);
  lines.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return [...lines.map(([flag, value]) => `#$ ${flag} ${value}`), ...r.directives.map((d) => `#$ ${d}`)];
}

export function renderSgeScript(spec: BatchJobSpec): string {
  const isArray = spec.count !== undefined;
  return renderScript(sgeDirectives(spec), renderBody(spec, { indexExpr: '$((SGE_TASK_ID - 1))', redirect: isArray }));
}
