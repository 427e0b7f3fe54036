/**
 * HTTP plumbing shared by the REST clients: several endpoints of one
 * service (e.g. `[glance] api_servers`), the first that answers wins and is
 * tried first next time; attempts repeat with a doubling backoff; a
 * download's idle time is bounded, not its total time.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { RequestContext } from '../context.ts';
import { NovaError } from '../exception/base.ts';

/** Where and how persistently a client talks to a service. */
export interface EndpointOptions {
  /** Base URLs, e.g. http://127.0.0.1:9292 (a trailing version segment is stripped by the client). */
  readonly servers: readonly string[];
  /** Extra attempts after the first. */
  readonly retries: number;
  /** Milliseconds before the first retry (doubled each time); default 500. */
  readonly retryDelayMs?: number;
  /** Milliseconds to wait for an answer, and between two chunks of a download; default 60 s. */
  readonly timeoutMs?: number;
}

/** Answers that mean "this endpoint cannot serve now": try the next one. */
const RETRY_STATUSES = new Set([502, 503, 504]);

/** A connection-level failure (refused, reset, timed out) or a gateway/unavailable answer from every endpoint. */
export class Unreachable extends Error {}

/** An answer whose body is still to be read. */
export interface Answer {
  readonly res: Response;
  /** Restart the idle timer (call per body chunk). */
  touch(): void;
  /** Stop the timer once the body is read. */
  done(): void;
}

function causeOf(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const cause: unknown = e.cause;
  if (cause && typeof cause === 'object') {
    if ('code' in cause && typeof cause.code === 'string') return cause.code;
    if ('message' in cause && typeof cause.message === 'string') return cause.message;
  }
  return e.message;
}

/** The endpoints of one service, with failover and retries. */
export class Endpoints {
  private readonly servers: string[];
  private preferred = 0;
  readonly timeoutMs: number;

  constructor(
    private readonly opts: EndpointOptions,
    /** A trailing path segment to strip from each server, e.g. /v2. */
    stripSuffix: RegExp,
    /** The option that lists the servers, for the error when it is empty. */
    option: string,
  ) {
    this.servers = opts.servers.map((s) => s.replace(/\/+$/, '').replace(stripSuffix, ''));
    if (this.servers.length === 0) throw new NovaError(`${option} is empty`);
    this.timeoutMs = opts.timeoutMs ?? 60_000;
  }

  /** The server tried first (the last that answered): where a stream that cannot be sent twice goes. */
  get current(): string {
    return this.servers[this.preferred] ?? this.servers[0] ?? '';
  }

  /**
   * One pass over the servers, starting with the last one that answered:
   * the first answer that is not a connection failure or 502/503/504 is
   * returned (any status); Unreachable when none answered.
   */
  async request(path: string, init: { method?: string; headers: Record<string, string>; body?: string }): Promise<Answer> {
    const reasons: string[] = [];
    for (let i = 0; i < this.servers.length; i++) {
      const index = (this.preferred + i) % this.servers.length;
      const base = this.servers[index];
      if (base === undefined) continue;
      const ac = new AbortController();
      const timer = setTimeout(() => ac.abort(new Unreachable(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
      const done = () => clearTimeout(timer);
      try {
        const res = await fetch(`${base}${path}`, { method: init.method ?? 'GET', headers: init.headers, body: init.body, signal: ac.signal });
        if (RETRY_STATUSES.has(res.status)) {
          done();
          await res.body?.cancel().catch(() => undefined); // the answer is dropped anyway
          reasons.push(`${base}: HTTP ${res.status}`);
          continue;
        }
        this.preferred = index;
        return { res, touch: () => void timer.refresh(), done };
      } catch (e) {
        done();
        const reason: unknown = ac.signal.reason;
        reasons.push(`${base}: ${ac.signal.aborted && reason instanceof Error ? reason.message : causeOf(e)}`);
      }
    }
    throw new Unreachable(reasons.join('; '));
  }

  /**
   * Run `attempt` up to 1 + retries times while it fails with Unreachable
   * or an error `retriable` accepts; the last failure is rethrown, an
   * Unreachable one through `unreachable`.
   */
  async withRetries<T>(what: string, attempt: () => Promise<T>, retriable: (e: unknown) => boolean, unreachable: (message: string) => Error): Promise<T> {
    let delay = this.opts.retryDelayMs ?? 500;
    for (let n = 0; ; n++) {
      try {
        return await attempt();
      } catch (e) {
        if (!(e instanceof Unreachable || retriable(e)) || n >= this.opts.retries) {
          if (e instanceof Unreachable) throw unreachable(`${what}: ${e.message}`);
          throw e;
        }
        await sleep(delay);
        delay *= 2;
      }
    }
  }
}

/** The headers every client request carries: the token, JSON, our user agent and the request id it serves. */
export function requestHeaders(token: string, ctx: RequestContext | undefined, userAgent: string): Record<string, string> {
  const h: Record<string, string> = { 'x-auth-token': token, accept: 'application/json', 'user-agent': userAgent };
  const rid = ctx?.global_request_id ?? ctx?.request_id;
  if (rid) h['x-openstack-request-id'] = rid;
  return h;
}
