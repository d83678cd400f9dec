/** The scheduler's bookkeeping for a job and its tasks, and the pure pieces of the command it launches. */
import { parseMemory, quoteWord, type JobOptions, type JobRef, type SubmitRequest, type TaskStatus } from '@clustrix/core/scheduler';

export type Phase = 'queued' | 'launching' | 'launched' | 'done';

export interface Task {
  job: SshJob;
  key: 'job' | number;
  phase: Phase;
  status: TaskStatus;
  pid?: number;
  startingSince?: number;
  /** Polls in a row that found no marker of a launched task. */
  missing: number;
}

export interface SshJob {
  ref: JobRef;
  request: SubmitRequest;
  cpus: number;
  concurrency: number;
  tasks: Task[];
  seconds?: number;
  setup: string;
  command: string[];
  cancelled: boolean;
}

/** `job` for a single job, the indices of an array. */
export function taskKeys(count: number | undefined): Array<'job' | number> {
  return count === undefined ? ['job'] : Array.from({ length: count }, (_, i) => i);
}

/** Where a task's exit code appears (the job-folder protocol). */
export function exitCodeFile(t: Pick<Task, 'key'> & { job: { ref: Pick<JobRef, 'jobDir'> } }): string {
  return `${t.job.ref.jobDir}/${t.key === 'job' ? 'exit_code' : `exit_codes/${t.key}`}`;
}

/** The shell text run before the command: `module load` for `modules`, then the `setup` lines. */
export function setupText(options: JobOptions): string {
  const lines: string[] = [];
  if (options.modules?.length) {
    lines.push(`command -v module >/dev/null 2>&1 || . /etc/profile >/dev/null 2>&1; module load ${options.modules.map(quoteWord).join(' ')}`);
  }
  lines.push(...(options.setup ?? []));
  return lines.join('\n');
}

/** The command with node's own options: heap cap for `memory`, process title (`jobName`, else the label) for `ps`. */
export function commandWithNodeOptions(command: readonly string[], options: JobOptions, label?: string): string[] {
  const [node, ...rest] = command;
  const extra: string[] = [];
  const mb = options.memory !== undefined ? parseMemory(options.memory) : undefined;
  if (mb) extra.push(`--max-old-space-size=${mb}`);
  const title = options.jobName ?? label;
  if (title) extra.push(`--title=${title}`);
  return [node!, ...extra, ...rest];
}
