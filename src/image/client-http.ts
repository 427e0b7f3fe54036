/**
 * HTTP plumbing of the image service client: several endpoints
 * (`[glance] api_servers`), the first that answers wins and is tried first
 * next time; attempts repeat `[glance] num_retries` times with a short
 * backoff. Used by src/image/client.ts only.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { RequestContext } from '../context.ts';
import { NovaError, registerErrors } from '../exception/base.ts';

/** No image service endpoint answered (nova.exception.GlanceConnectionFailed). */
export class GlanceConnectionFailed extends NovaError {
  override readonly status = 503;
}
/** The image service refused the caller (401/403). */
export class ImageNotAuthorized extends NovaError {
  override readonly status = 403;
}
/** The image cannot be used: no data, wrong size or checksum, signature checks requested. */
export class ImageUnacceptable extends NovaError {
  override readonly status = 400;
  /** Worth another attempt (a corrupted or cut download). */
  readonly retriable: boolean;

  constructor(message: string, kwargs: Record<string, unknown> = {}) {
    super(message, kwargs);
    this.retriable = kwargs.retriable === true;
  }
}
registerErrors(GlanceConnectionFailed, ImageNotAuthorized, ImageUnacceptable);

/** Supplies the X-Auth-Token of image service requests. */
export interface TokenProvider {
  /**
   * A token for a request made on behalf of `ctx` (the request being
   * served). A provider may ignore `ctx` and return a service token.
   */
  token(ctx?: RequestContext): Promise<string>;
}

/** Where and how persistently the client talks to the image service. */
export interface GlanceHttpOptions {
  /** `[glance] api_servers`: base URLs, e.g. http://127.0.0.1:9292 (a trailing /v2 is tolerated). */
  servers: readonly string[];
  /** `[glance] num_retries`: extra attempts after the first. */
  retries: number;
  /** Milliseconds before the first retry (doubled each time); default 500. */
  retryDelayMs?: number;
  /** Milliseconds to wait for an answer, and between two chunks of a download; default 60 s. */
  timeoutMs?: number;
}

const RETRY_STATUSES = new Set([502, 503, 504]);

/** A connection-level failure (refused, reset, timed out) or a gateway/unavailable answer. */
export class Unreachable extends Error {}

/** An answer whose body is still to be read. */
export interface Answer {
  res: Response;
  /** Restart the idle timer (call per body chunk). */
  touch(): void;
  /** Stop the timer once the body is read. */
  done(): void;
}

/** Requests to the first answering endpoint, with retries (internal to the image clients). */
export class GlanceHttp {
  private readonly servers: string[];
  private preferred = 0;
  readonly timeoutMs: number;

  constructor(private readonly opts: GlanceHttpOptions) {
    this.servers = opts.servers.map((s) => s.replace(/\/+$/, '').replace(/\/v2$/, ''));
    if (this.servers.length === 0) throw new NovaError('[glance] api_servers is empty');
    this.timeoutMs = opts.timeoutMs ?? 60_000;
  }

  /**
   * One pass over the servers, starting with the last one that answered:
   * the first answer that is not a connection failure or 502/503/504 is
   * returned (any status); Unreachable when none answered. The answer's
   * body must be read with `touch()` called per chunk (idle timeout) and
   * `done()` at the end.
   */
  async request(path: string, headers: Record<string, string>, method = 'GET'): Promise<Answer> {
    const reasons: string[] = [];
    for (let i = 0; i < this.servers.length; i++) {
      const index = (this.preferred + i) % this.servers.length;
      const base = this.servers[index] as string;
      const ac = new AbortController();
      const timer = setTimeout(() => ac.abort(new Unreachable(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
      const done = () => clearTimeout(timer);
      try {
        const res = await fetch(`${base}${path}`, { method, headers, signal: ac.signal });
        if (RETRY_STATUSES.has(res.status)) {
          done();
          await res.body?.cancel().catch(() => {});
          reasons.push(`${base}: HTTP ${res.status}`);
          continue;
        }
        this.preferred = index;
        return { res, touch: () => void timer.refresh(), done };
      } catch (e) {
        done();
        const cause = (e as { cause?: { code?: string; message?: string } }).cause;
        const why = ac.signal.aborted ? String((ac.signal.reason as Error).message) : (cause?.code ?? cause?.message ?? (e as Error).message);
        reasons.push(`${base}: ${why}`);
      }
    }
    throw new Unreachable(reasons.join('; '));
  }

  /**
   * Run `attempt` up to 1 + retries times while it fails with Unreachable or
   * a retriable ImageUnacceptable; the last failure is rethrown
   * (Unreachable as GlanceConnectionFailed).
   */
  async withRetries<T>(what: string, attempt: () => Promise<T>): Promise<T> {
    let delay = this.opts.retryDelayMs ?? 500;
    for (let n = 0; ; n++) {
      try {
        return await attempt();
      } catch (e) {
        const retriable = e instanceof Unreachable || (e instanceof ImageUnacceptable && e.retriable);
        if (!retriable || n >= this.opts.retries) {
          if (e instanceof Unreachable) throw new GlanceConnectionFailed(`Connection to glance failed for ${what}: ${e.message}`);
          throw e;
        }
        await sleep(delay);
        delay *= 2;
      }
    }
  }
}

/** The headers every request carries. */
export function requestHeaders(token: string, ctx: RequestContext | undefined): Record<string, string> {
  const h: Record<string, string> = { 'x-auth-token': token, accept: 'application/json', 'user-agent': 'nova-ts-image-client' };
  const rid = ctx?.global_request_id ?? ctx?.request_id;
  if (rid) h['x-openstack-request-id'] = rid;
  return h;
}
