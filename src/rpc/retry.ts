/**
 * Retrying an RPC API's calls while the bus or the database behind it is
 * unavailable: MessagingTimeout and MessageDeliveryFailure (no answer, no
 * broker) and a remote DBConnectionError or DBDeadlock are tried again with
 * a doubling backoff until a deadline; any other failure (InstanceNotFound,
 * UnexpectedTaskStateError…) is the answer and comes back at once. The
 * methods so wrapped must be safe to repeat; the conductor's are (its writes
 * are guarded and a repeated write that went through succeeds again).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { RequestContext } from '../context.ts';
import { NovaError } from '../exception/base.ts';
import type { Logger } from '../log.ts';
import type { RpcKinds } from './api.ts';
import { MessageDeliveryFailure, MessagingTimeout, RemoteError } from './errors.ts';

/**
 * Errors that mean "try again later", by class name. A remote error is
 * rebuilt with its class where that class is loaded; where it is not (the
 * database errors in nova-compute, which loads no database code) it is a
 * RemoteError naming the class.
 */
const TRANSIENT = new Set(['MessagingTimeout', 'MessageDeliveryFailure', 'DBConnectionError', 'DBDeadlock']);

/** Is this failure an outage (worth retrying) rather than an answer? */
export function isTransient(e: unknown): boolean {
  if (e instanceof MessagingTimeout || e instanceof MessageDeliveryFailure) return true;
  if (e instanceof RemoteError) return TRANSIENT.has(e.excType);
  return e instanceof NovaError && TRANSIENT.has(e.name);
}

export interface RetryPolicy {
  /** Give up after this many milliseconds (0: never retry). */
  readonly deadlineMs: number;
  readonly firstDelayMs?: number;
  readonly maxDelayMs?: number;
  readonly log?: Logger;
  /** For log lines, e.g. 'conductor'. */
  readonly service: string;
}

/** Run `fn` until it succeeds, fails with a non-transient error, or the deadline passes. */
export async function retryTransient<T>(what: string, policy: RetryPolicy, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + policy.deadlineMs;
  let delay = policy.firstDelayMs ?? 500;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (!isTransient(e) || Date.now() + delay > deadline) throw e;
      policy.log?.warn({ method: what, attempt, retry_in_ms: delay, err: e instanceof Error ? e.message : String(e) }, `${policy.service} unavailable; retrying`);
      await sleep(delay);
      delay = Math.min(delay * 2, policy.maxDelayMs ?? 30_000);
    }
  }
}

type Method = (ctx: RequestContext, args: object) => Promise<unknown>;

/** `api` with every method of its table retried as {@link retryTransient} says. */
export function withRetries<T extends object>(api: T, kinds: RpcKinds<T>, policy: RetryPolicy): T {
  const out: Record<string, Method> = {};
  for (const name of Object.keys(kinds)) {
    const fn: unknown = Reflect.get(api, name);
    if (typeof fn !== 'function') throw new Error(`${name} is not a method`);
    out[name] = (ctx, args) => retryTransient(name, policy, () => Promise.resolve(Reflect.apply(fn, api, [ctx, args])));
  }
  // `kinds` is keyed by exactly T's methods, each wrapped with its own signature: the table is T again.
  return { ...api, ...out } as T;
}
