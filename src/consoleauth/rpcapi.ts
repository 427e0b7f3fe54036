import type { RequestContext } from '../context.ts';
import type { ConsoleConnectInfo } from '../objects/console-auth-token.ts';
import { RpcClient } from '../rpc/client.ts';
import type { Transport } from '../rpc/transport.ts';
import { type AuthorizeConsoleArgs, CONSOLEAUTH_RPC_VERSION, CONSOLEAUTH_TOPIC, type ConsoleAuthAPI } from './rpc-types.ts';

/** Client stubs for nova-consoleauth (used by nova-api and the console proxies). */
export class ConsoleAuthRpcApi implements ConsoleAuthAPI {
  private readonly client: RpcClient;

  constructor(transport: Transport, timeoutMs: number) {
    this.client = new RpcClient(transport, { topic: CONSOLEAUTH_TOPIC, version: CONSOLEAUTH_RPC_VERSION, timeoutMs });
  }

  authorize_console(ctx: RequestContext, args: AuthorizeConsoleArgs): Promise<string> {
    return this.client.call(ctx, 'authorize_console', { ...args });
  }
  check_token(ctx: RequestContext, args: { token: string }): Promise<ConsoleConnectInfo | null> {
    return this.client.call(ctx, 'check_token', args);
  }
  delete_tokens_for_instance(ctx: RequestContext, args: { instance_uuid: string }): Promise<void> {
    return this.client.cast(ctx, 'delete_tokens_for_instance', args);
  }
}
