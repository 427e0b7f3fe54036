import type { RequestContext } from '../context.ts';
import type { ConsoleConnectInfo, ConsoleType } from '../objects/console-auth-token.ts';
import type { ArgsOf, RpcKinds } from '../rpc/api.ts';

/** The RPC topic nova-consoleauth serves. */
export const CONSOLEAUTH_TOPIC = 'consoleauth';
/** Nova's consoleauth RPC API was at 2.1 when it was removed; we speak the same major. */
export const CONSOLEAUTH_RPC_VERSION = '2.1';

/** What a token is issued for: one console of one instance. */
export interface AuthorizeConsoleArgs {
  instance_uuid: string;
  console_type: ConsoleType;
  host: string;
  port: number;
  /** Unix socket path on the compute host (with port 0) or a driver's internal path. */
  internal_access_path: string | null;
  /** The proxy base URL the client will use (its scheme is checked against the Origin). */
  access_url_base: string | null;
}

/** The methods nova-consoleauth serves on the `consoleauth` topic. */
export interface ConsoleAuthAPI {
  /** Issue a token (call); only its SHA-256 is stored. */
  authorize_console(ctx: RequestContext, args: AuthorizeConsoleArgs): Promise<string>;
  /** What a token grants, or null when it is unknown or expired (call; the proxies ask before connecting). */
  check_token(ctx: RequestContext, args: { token: string }): Promise<ConsoleConnectInfo | null>;
  /** Revoke every token of an instance (cast, on delete). */
  delete_tokens_for_instance(ctx: RequestContext, args: { instance_uuid: string }): Promise<void>;
}

/** The methods served over RPC, and how each is sent. */
export const CONSOLEAUTH_METHODS = {
  authorize_console: 'call',
  check_token: 'call',
  delete_tokens_for_instance: 'cast',
} as const satisfies RpcKinds<ConsoleAuthAPI>;

/** The arguments of one method. */
export type ConsoleAuthArgs<K extends keyof ConsoleAuthAPI> = ArgsOf<ConsoleAuthAPI, K>;
