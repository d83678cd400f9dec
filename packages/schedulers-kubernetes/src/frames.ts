/**
 * Reading what the pod entry (pod/entry.mjs) framed at the end of a pod's log: the job-folder
 * files it carried (gzip, base64, in lines of at most 4000 characters, each file checked by length
 * and sha256) and the closing `done` line. Lines that are not frames of this job's nonce are the
 * method's own output and are ignored.
 */
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';

export interface DoneFrame {
  /** Frame lines before the `done` line. */
  lines: number;
  exitCode: number;
  signal: string | null;
  /** The command was SIGKILLed while the container's OOM-kill counter rose. */
  oomKilled: boolean;
}

export interface FramedOutput {
  /** Job-folder files by path relative to the job folder. */
  files: Map<string, Buffer>;
  done?: DoneFrame;
  /** What was wrong (a missing chunk, a checksum mismatch...); empty when all is well. */
  problems: string[];
}

interface FileHeader {
  path: string;
  bytes: number;
  sha256: string;
  chunks: number;
}

export function framePrefix(nonce: string): string {
  return `::clustrix:${nonce}:`;
}

/** The `done` frame among the last lines of a log, if it is there. */
export function findDone(log: string, nonce: string): DoneFrame | undefined {
  const prefix = `${framePrefix(nonce)}done `;
  const lines = log.split('\n');
  for (let i = lines.length - 1; i >= 0 && i >= lines.length - 3; i--) {
    const line = lines[i]!.replace(/\r$/, '');
    if (line.startsWith(prefix)) {
      try {
        return JSON.parse(line.slice(prefix.length)) as DoneFrame;
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

export function parseFrames(log: string, nonce: string): FramedOutput {
  const prefix = framePrefix(nonce);
  const files = new Map<string, Buffer>();
  const problems: string[] = [];
  let done: DoneFrame | undefined;
  let current: { header: FileHeader; chunks: string[] } | undefined;
  let frameLines = 0;

  const finish = () => {
    if (!current) return;
    const { header, chunks } = current;
    current = undefined;
    if (chunks.length !== header.chunks) {
      problems.push(`${header.path}: ${chunks.length} of ${header.chunks} chunks in the log`);
      return;
    }
    let data: Buffer;
    try {
      data = gunzipSync(Buffer.from(chunks.join(''), 'base64'));
    } catch (err) {
      problems.push(`${header.path}: cannot decompress (${(err as Error).message})`);
      return;
    }
    const sha = createHash('sha256').update(data).digest('hex');
    if (data.length !== header.bytes || sha !== header.sha256) {
      problems.push(`${header.path}: ${data.length} bytes with sha256 ${sha.slice(0, 12)}, expected ${header.bytes} bytes with ${header.sha256.slice(0, 12)}`);
      return;
    }
    files.set(header.path, data);
  };

  for (const raw of log.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (!line.startsWith(prefix)) continue;
    const rest = line.slice(prefix.length);
    const space = rest.indexOf(' ');
    const kind = space < 0 ? rest : rest.slice(0, space);
    const body = space < 0 ? '' : rest.slice(space + 1);
    if (kind === 'data') {
      frameLines++;
      if (current) current.chunks.push(body);
      else problems.push('a data frame without a file frame');
      continue;
    }
    finish();
    if (kind === 'file') {
      frameLines++;
      try {
        current = { header: JSON.parse(body) as FileHeader, chunks: [] };
      } catch {
        problems.push(`a file frame that is not JSON: ${body.slice(0, 80)}`);
      }
    } else if (kind === 'done') {
      try {
        done = JSON.parse(body) as DoneFrame;
      } catch {
        problems.push(`a done frame that is not JSON: ${body.slice(0, 80)}`);
      }
    }
  }
  finish();
  if (!done) problems.push('no done frame: the pod ended before it reported, or its log was cut');
  else if (frameLines < done.lines) problems.push(`${done.lines - frameLines} of ${done.lines} frame lines are missing from the log (rotated away?)`);
  return { files, ...(done ? { done } : {}), problems };
}
