import fs from 'node:fs';
import path from 'node:path';
import { type Logger, pino } from 'pino';
import { currentContext } from './context.ts';
import { prettyDestination } from './log-line.ts';

export type { Logger };

export interface LogOptions {
  /** The service name, e.g. nova-compute; becomes the `name` field. */
  name: string;
  host?: string;
  debug?: boolean;
  /** Append JSON lines to this file instead of stderr. */
  file?: string | null;
  pretty?: boolean;
  /** The worker number (1…N) of a service run as several worker processes; becomes the `worker` field. */
  worker?: number;
}

/**
 * A structured logger. Every line carries the request id (and user/project)
 * of the context it was logged in, so one request can be followed across
 * nova-api, nova-scheduler, nova-compute and nova-conductor.
 */
export function createLogger(opts: LogOptions): Logger {
  const level = process.env.NOVA_LOG_LEVEL ?? (opts.debug ? 'debug' : 'info');
  const base = { name: opts.name, host: opts.host, pid: process.pid, ...(opts.worker ? { worker: opts.worker } : {}) };
  const mixin = () => {
    const ctx = currentContext();
    return ctx ? { request_id: ctx.request_id, user_id: ctx.user_id ?? undefined, project_id: ctx.project_id ?? undefined } : {};
  };
  if (opts.file) {
    fs.mkdirSync(path.dirname(opts.file), { recursive: true });
    return pino({ level, base, mixin }, pino.destination({ dest: opts.file, append: true, sync: false }));
  }
  if (opts.pretty) {
    return pino({ level, base, mixin }, prettyDestination());
  }
  return pino({ level, base, mixin }, pino.destination({ dest: 2, sync: false }));
}

/** A logger that drops everything (unit tests). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
