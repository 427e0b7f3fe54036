import type { RequestContext } from '../context.ts';
import { runWithContext } from '../context.ts';
import { NovaError } from '../exception/base.ts';
import type { Logger } from '../log.ts';
import type { RpcKinds } from './api.ts';
import { serializeFailure, unpackContext } from './envelope.ts';
import { NoSuchMethod, UnsupportedVersion } from './errors.ts';
import type { Listener, ReplyFn, Transport, WireMessage } from './transport.ts';

/** A method served over RPC: receives the caller's context and the args dict. */
export type RpcHandler = (ctx: RequestContext, args: Record<string, unknown>) => Promise<unknown>;

/**
 * A set of methods under one RPC API version. A request for version X.Y is
 * served by an endpoint of version X.Z with Z >= Y (same major).
 */
export interface Endpoint {
  readonly namespace?: string | null;
  readonly version: string;
  readonly methods: Readonly<Record<string, RpcHandler>>;
}

/** The methods of `impl` that its API's table names, as RPC handlers (`(ctx, args) => …`). */
export function methodsOf<T extends object>(impl: T, kinds: RpcKinds<T>): Record<string, RpcHandler> {
  const out: Record<string, RpcHandler> = {};
  for (const name of Object.keys(kinds)) {
    const fn: unknown = Reflect.get(impl, name);
    if (typeof fn !== 'function') throw new Error(`${name} is not a method`);
    // The wire gives the args as parsed JSON; the method's declared type is the contract the sender met.
    out[name] = (ctx, args) => Promise.resolve(Reflect.apply(fn, impl, [ctx, args]));
  }
  return out;
}

export function versionCompatible(offered: string, requested: string): boolean {
  const [om, on] = offered.split('.').map(Number);
  const [rm, rn] = requested.split('.').map(Number);
  return om === rm && (on ?? 0) >= (rn ?? 0);
}

/**
 * The server side of RPC: listens on (topic, server), dispatches each
 * message to the endpoint method under the caller's context, and sends back
 * the result or the serialized exception.
 */
export class RpcServer {
  private listener: Listener | null = null;
  private readonly inflight = new Set<Promise<void>>();

  constructor(
    private readonly transport: Transport,
    private readonly topic: string,
    private readonly server: string,
    private readonly endpoints: readonly Endpoint[],
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    this.listener = await this.transport.listen(this.topic, this.server, (m, reply) => {
      const p = this.dispatch(m, reply).finally(() => this.inflight.delete(p));
      this.inflight.add(p);
    });
  }

  /** Stop taking messages, then wait for the ones being handled. */
  async stop(): Promise<void> {
    await this.listener?.stop();
    this.listener = null;
    await this.drain();
  }

  async drain(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  get busy(): number {
    return this.inflight.size;
  }

  private find(method: string, version: string, namespace: string | null): RpcHandler {
    let versionFound = false;
    for (const ep of this.endpoints) {
      if ((ep.namespace ?? null) !== namespace) continue;
      if (!versionCompatible(ep.version, version)) continue;
      versionFound = true;
      const h = ep.methods[method];
      if (h) return h;
    }
    if (!versionFound) {
      throw new UnsupportedVersion(`Endpoint does not support RPC version ${version}. Attempted method: ${method}`, { version });
    }
    throw new NoSuchMethod(`Endpoint does not support RPC method ${method}`, { method });
  }

  private async dispatch(m: WireMessage, reply: ReplyFn): Promise<void> {
    const ctx = unpackContext(m);
    const method = String(m.method ?? '');
    const version = String(m.version ?? '1.0');
    const args = (m.args as Record<string, unknown> | undefined) ?? {};
    await runWithContext(ctx, async () => {
      let result: unknown = null;
      let failure: string | null = null;
      try {
        const handler = this.find(method, version, (m.namespace as string | null | undefined) ?? null);
        result = (await handler(ctx, args)) ?? null;
      } catch (e) {
        failure = serializeFailure(e);
        if (e instanceof NovaError && e.status < 500) {
          this.log.info({ method, err: e.message, exc: e.name }, 'Expected exception during message handling');
        } else {
          this.log.error({ method, err: e }, 'Exception during message handling');
        }
      }
      if (reply) {
        await reply({ result, failure }).catch((e: unknown) => this.log.warn({ method, err: String(e) }, 'could not send the reply'));
      }
    });
  }
}
