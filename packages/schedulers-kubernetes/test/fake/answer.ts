/**
 * FAKE (test only). How FakeKubeApiServer answers: JSON bodies and watch event lines, each checked
 * against the official schemas first (schema.ts), and errors as metav1.Status objects.
 */
import type { ServerResponse } from 'node:http';
import { ApiError } from './cluster.js';
import { schemaCauses, watchEventCauses } from './schema.js';

export function status(code: number, reason: string, message: string, details?: Record<string, unknown>) {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: code < 400 ? 'Success' : 'Failure', message, reason, ...(details ? { details } : {}), code };
}

export function sendJson(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** Send `body` if the official schemas accept it; else record the drift and answer 500. */
export function sendChecked(res: ServerResponse, code: number, body: unknown, drift: string[]): void {
  const causes = schemaCauses(body);
  if (!causes.length) return sendJson(res, code, body);
  const kind = (body as { kind?: string }).kind ?? '?';
  drift.push(`${kind}: ${causes.join('; ')}`);
  sendJson(res, 500, status(500, 'InternalError', `FakeKubeApiServer drifted from the API: its ${kind} fails the official schema: ${causes.join('; ')}`));
}

/** A watch event line, if the official schemas accept it (else the drift is recorded and the line not sent). */
export function eventLine(type: string, object: unknown, drift: string[]): string | undefined {
  const causes = watchEventCauses({ type, object });
  if (!causes.length) return `${JSON.stringify({ type, object })}\n`;
  drift.push(`watch event ${type}: ${causes.join('; ')}`);
  return undefined;
}

export function sendError(res: ServerResponse, err: unknown, drift: string[]): void {
  if (err instanceof ApiError) sendChecked(res, err.code, status(err.code, err.reason, err.message, err.details), drift);
  else sendChecked(res, 500, status(500, 'InternalError', `Internal error occurred: ${(err as Error)?.message ?? String(err)}`), drift);
}
