/**
 * Human-readable log lines for a terminal (`[DEFAULT] log_pretty`, or the
 * all-in-one on a TTY): one line per record, `12:03:04.512 INFO  nova-api:
 * message key=value …`, and an API request as one short line
 * `GET /v2.1/servers 200 4.1 ms`. Written synchronously, so what was logged
 * before a banner is on the screen before it.
 */
import fs from 'node:fs';
import { Writable } from 'node:stream';

const LEVELS: Readonly<Record<number, string>> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const COLORS: Readonly<Record<number, string>> = { 10: '90', 20: '90', 30: '32', 40: '33', 50: '31', 60: '35' };
/** Fields every record has, shown in the prefix or not at all. */
const HIDDEN = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'host', 'name', 'svc', 'v']);
/** Fields of the request line shown in its short form. */
const REQUEST_FIELDS = new Set(['method', 'url', 'status', 'time_ms', 'microversion', 'request_id', 'user_id', 'project_id']);

function clock(ms: unknown): string {
  const d = typeof ms === 'number' ? new Date(ms) : new Date();
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

function value(v: unknown): string {
  if (typeof v === 'string') return /[\s"=]/.test(v) || v === '' ? JSON.stringify(v) : v;
  return JSON.stringify(v) ?? String(v);
}

/** The error of a record: its message, and for errors its stack on the lines after. */
function errorText(err: unknown, withStack: boolean): { inline: string; stack: string | null } {
  if (err === null || typeof err !== 'object') return { inline: value(err), stack: null };
  const message = 'message' in err && typeof err.message === 'string' ? err.message : JSON.stringify(err);
  const stack = withStack && 'stack' in err && typeof err.stack === 'string' ? err.stack : null;
  return { inline: value(message), stack };
}

/** One record as a line (plus an error's stack below it, for errors). */
export function formatRecord(rec: Record<string, unknown>, color: boolean): string {
  const level = typeof rec.level === 'number' ? rec.level : 30;
  const label = (LEVELS[level] ?? 'INFO').padEnd(5);
  const shownLabel = color ? `\u001b[${COLORS[level] ?? '0'}m${label}\u001b[0m` : label;
  const who = typeof rec.svc === 'string' ? rec.svc : typeof rec.name === 'string' ? rec.name : '';
  const msg = typeof rec.msg === 'string' ? rec.msg : '';
  const head = `${clock(rec.time)} ${shownLabel} ${who ? `${who}: ` : ''}`;
  if (msg === 'request' && typeof rec.method === 'string' && typeof rec.url === 'string') {
    const version = typeof rec.microversion === 'string' ? ` (${rec.microversion})` : '';
    const rest = Object.entries(rec).filter(([k]) => !HIDDEN.has(k) && !REQUEST_FIELDS.has(k));
    const extra = rest.map(([k, v]) => ` ${k}=${value(v)}`).join('');
    return `${head}${rec.method} ${rec.url} ${String(rec.status ?? '')} ${String(rec.time_ms ?? '')} ms${version}${extra}`;
  }
  let stack: string | null = null;
  const fields: string[] = [];
  for (const [k, v] of Object.entries(rec)) {
    if (HIDDEN.has(k)) continue;
    if (k === 'err') {
      const e = errorText(v, level >= 50);
      stack = e.stack;
      fields.push(`err=${e.inline}`);
    } else {
      fields.push(`${k}=${value(v)}`);
    }
  }
  const line = `${head}${msg}${fields.length ? ` ${fields.join(' ')}` : ''}`;
  return stack ? `${line}\n${stack.replace(/^/gm, '    ')}` : line;
}

/** A destination for pino that prints each JSON record as a line on `fd` (stderr by default). */
export function prettyDestination(fd = 2, color = process.stderr.isTTY === true): Writable {
  let pending = '';
  return new Writable({
    write(chunk: Buffer | string, _enc, done) {
      pending += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
      let nl = pending.indexOf('\n');
      const out: string[] = [];
      while (nl >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        nl = pending.indexOf('\n');
        if (!line.trim()) continue;
        try {
          const rec: unknown = JSON.parse(line);
          out.push(rec !== null && typeof rec === 'object' && !Array.isArray(rec) ? formatRecord({ ...rec }, color) : line);
        } catch {
          out.push(line);
        }
      }
      if (out.length) fs.writeSync(fd, `${out.join('\n')}\n`);
      done();
    },
  });
}
