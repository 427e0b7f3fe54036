import type { RequestContext } from '../context.ts';
import { deserializeFailure, newMessageId, packContext } from './envelope.ts';
import type { Target, Transport } from './transport.ts';

export interface ClientOptions {
  topic: string;
  /** The RPC API version this client speaks (the server must offer it). */
  version: string;
  /** Call timeout in ms (`rpc_response_timeout`). */
  timeoutMs: number;
  server?: string;
  fanout?: boolean;
  namespace?: string | null;
}

/**
 * The client side of RPC (oslo.messaging RPCClient): `call` waits for the
 * result and raises the remote exception as the same NovaError class, `cast`
 * fires and forgets. `prepare` narrows the target (a server, fanout) or
 * changes the version or timeout.
 */
export class RpcClient {
  constructor(
    private readonly transport: Transport,
    private readonly opts: ClientOptions,
  ) {}

  prepare(overrides: Partial<Omit<ClientOptions, 'topic'>>): RpcClient {
    return new RpcClient(this.transport, { ...this.opts, ...overrides });
  }

  private target(): Target {
    return { topic: this.opts.topic, server: this.opts.server, fanout: this.opts.fanout };
  }

  private message(ctx: RequestContext, method: string, args: object): Record<string, unknown> {
    return {
      method,
      args,
      version: this.opts.version,
      namespace: this.opts.namespace ?? null,
      _unique_id: newMessageId(),
      ...packContext(ctx),
    };
  }

  async call<T>(ctx: RequestContext, method: string, args: object = {}): Promise<T> {
    const msg = this.message(ctx, method, args);
    msg._timeout = this.opts.timeoutMs / 1000;
    const reply = await this.transport.call(this.target(), msg, this.opts.timeoutMs);
    if (reply.failure) throw deserializeFailure(reply.failure);
    return reply.result as T;
  }

  async cast(ctx: RequestContext, method: string, args: object = {}): Promise<void> {
    await this.transport.cast(this.target(), this.message(ctx, method, args));
  }
}
