/**
 * An RPC API is declared once, as an interface of methods `(ctx, args) =>
 * Promise<result>` in the service's rpc-types.ts, plus a table saying how
 * each method is sent. The client stubs (rpcapi.ts) are built from that
 * table, and the manager names each method's arguments with ArgsOf, so the
 * three sides cannot drift apart.
 */
import type { RequestContext } from '../context.ts';
import type { RpcClient } from './client.ts';

/** How each method of an API is sent: `call` waits for the result, `cast` does not. */
export type RpcKinds<T> = { readonly [K in keyof T]: 'call' | 'cast' };

/** The arguments of method `K` of API `T`. */
export type ArgsOf<T, K extends keyof T> = T[K] extends (ctx: RequestContext, args: infer A) => Promise<unknown> ? A : never;

/** The result of method `K` of API `T`. */
export type ResultOf<T, K extends keyof T> = T[K] extends (ctx: RequestContext, args: never) => Promise<infer R> ? R : never;

type Stub = (ctx: RequestContext, args: object) => Promise<unknown>;

/**
 * Client stubs for API `T`: each method goes out as its kind says, through
 * the client `clientFor` picks for the message (e.g. the instance's host).
 */
export function rpcStubs<T extends object>(kinds: RpcKinds<T>, clientFor: (method: string, args: object) => RpcClient): T {
  const stubs: Record<string, Stub> = {};
  for (const [method, kind] of Object.entries<'call' | 'cast'>(kinds)) {
    stubs[method] = (ctx, args) => {
      const client = clientFor(method, args);
      return kind === 'call' ? client.call(ctx, method, args) : client.cast(ctx, method, args);
    };
  }
  // `kinds` is keyed by exactly T's methods and every stub has their shape: the one place a table of functions becomes T.
  return stubs as T;
}
