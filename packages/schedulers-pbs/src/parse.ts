/**
 * Parsers for PBS command output, tested on captured and documented output (test/fixtures):
 * qsub's job id, job ids with and without `.server` and `[]`, and `qstat -f` records in both
 * layouts: PBS Pro/Torque (`    name = value`, long values continued on tab-indented lines) and
 * SLURM's Torque wrappers (`\tname = value`, nothing continued).
 */

export interface PbsJobId {
  /** The sequence number. */
  seq: string;
  /** True for an array job (`123[]`), false for a plain job or a subjob. */
  array: boolean;
  /** A subjob's index (`123[4]`). */
  index?: number;
  /** The server part after the first dot, if any. */
  server?: string;
}

const ID = /^(\d+)(?:\[(\d*)\])?(?:\.([^@\s]+))?(?:@\S+)?$/;

/** `123`, `123.server`, `123[]`, `123[].server.domain`, `123[4].server`, `123@server`. */
export function parsePbsId(raw: string): PbsJobId | undefined {
  const m = ID.exec(raw.trim());
  if (!m) return undefined;
  const [, seq, bracket, server] = m;
  return {
    seq: seq!,
    array: bracket === '',
    ...(bracket ? { index: Number(bracket) } : {}),
    ...(server ? { server } : {}),
  };
}

/** The key a job is known by whatever server suffix is shown: `123`, or `123[]` for an array and its subjobs. */
export function idKey(id: PbsJobId): string {
  return id.array || id.index !== undefined ? `${id.seq}[]` : id.seq;
}

/** qsub's output: the job id on the last non-empty line (qsub may print warnings before it). */
export function parseQsubId(stdout: string): string {
  const line = stdout.trim().split('\n').map((l) => l.trim()).filter(Boolean).pop() ?? '';
  const id = parsePbsId(line);
  if (!id || id.index !== undefined) throw new Error(`expected a PBS job id such as 123, 123.server or 123[].server, got ${JSON.stringify(line)}`);
  return line;
}

export interface QstatRecord {
  /** The id as printed after `Job Id:`. */
  id: string;
  /** Attributes by lower-cased name (`job_state`, `exit_status`, `resource_list.walltime`...). */
  attrs: Map<string, string>;
}

const ATTR = /^([A-Za-z_][\w.]*) = ?(.*)$/;

/** `qstat -f` output → one record per `Job Id:` block. Error lines (`qstat: Unknown Job Id ...`) end a block and are skipped. */
export function parseQstatFull(text: string): QstatRecord[] {
  const records: QstatRecord[] = [];
  let current: QstatRecord | undefined;
  let layout: 'spaces' | 'tabs' | undefined;
  let last: string | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    const head = /^Job Id:\s*(\S+)\s*$/.exec(line);
    if (head) {
      current = { id: head[1]!, attrs: new Map() };
      records.push(current);
      layout = undefined;
      last = undefined;
      continue;
    }
    if (!current || line.trim() === '' || !/^\s/.test(line)) {
      current = line.trim() === '' || !current ? current : undefined; // an unindented line ends the block
      if (line.trim() === '') last = undefined;
      continue;
    }
    layout ??= line.startsWith('\t') ? 'tabs' : 'spaces';
    const indent = /^\s*/.exec(line)![0];
    // PBS Pro/Torque: attributes are indented with spaces, continuations with a tab (or, once
    // copied through a terminal, with more spaces). The wrappers indent attributes with a tab.
    const isAttr = layout === 'tabs' ? indent === '\t' : !indent.includes('\t') && indent.length <= 7;
    const m = isAttr ? ATTR.exec(line.slice(indent.length)) : null;
    if (m) {
      last = m[1]!.toLowerCase();
      current.attrs.set(last, m[2]!);
    } else if (last !== undefined) {
      // qstat breaks a long value after a comma, before a space or mid-word, and starts the rest with ONE
      // tab: the pieces join without a separator, and a space after that tab is part of the value
      // (OpenPBS: "ncpus (R: 64 A: 8" + "\t T: 8)"). Copied through a terminal, the tab became spaces.
      const rest = line.startsWith('\t') ? line.slice(1) : line.slice(indent.length);
      current.attrs.set(last, current.attrs.get(last)! + rest);
    }
  }
  for (const r of records) for (const [k, v] of r.attrs) r.attrs.set(k, v.trim());
  return records;
}
