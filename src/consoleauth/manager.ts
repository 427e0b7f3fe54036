import type { NovaConfig } from '../conf/loader.ts';
import type { RequestContext } from '../context.ts';
import type { DbApi } from '../db/api/index.ts';
import { Invalid } from '../exception/base.ts';
import type { Logger } from '../log.ts';
import { CONSOLE_TYPES, type ConsoleConnectInfo } from '../objects/console-auth-token.ts';
import { type Endpoint, methodsOf } from '../rpc/server.ts';
import type { Manager, PeriodicTask } from '../service/manager.ts';
import { CONSOLEAUTH_METHODS, CONSOLEAUTH_RPC_VERSION, type ConsoleAuthAPI, type ConsoleAuthArgs } from './rpc-types.ts';
import { expiresAt, hashToken, newToken, nowSeconds, wellFormedToken } from './tokens.ts';

/** What nova-consoleauth's manager needs: configuration (token_ttl), the database, a logger. */
export interface ConsoleAuthManagerDeps {
  conf: NovaConfig;
  db: DbApi;
  log: Logger;
  /** The clock in ms (tests move it). */
  now?: () => number;
}

/**
 * nova-consoleauth (nova.consoleauth.manager.ConsoleAuthManager): issues
 * console tokens bound to one instance and console, answers the proxies'
 * check_token, revokes an instance's tokens when it is deleted, and drops
 * expired ones periodically. Tokens live in console_auth_tokens, hashed.
 */
export class ConsoleAuthManager implements ConsoleAuthAPI, Manager {
  readonly endpoints: readonly Endpoint[];
  private readonly now: () => number;

  constructor(private readonly deps: ConsoleAuthManagerDeps) {
    this.now = deps.now ?? Date.now;
    this.endpoints = [{ version: CONSOLEAUTH_RPC_VERSION, methods: methodsOf<ConsoleAuthAPI>(this, CONSOLEAUTH_METHODS) }];
  }

  async authorize_console(_ctx: RequestContext, args: ConsoleAuthArgs<'authorize_console'>): Promise<string> {
    if (!CONSOLE_TYPES.includes(args.console_type)) throw new Invalid(`Invalid console type ${String(args.console_type)}`);
    if (typeof args.instance_uuid !== 'string' || !args.instance_uuid) throw new Invalid('authorize_console needs an instance_uuid');
    if (typeof args.host !== 'string' || !Number.isInteger(args.port) || args.port < 0 || args.port > 65535) throw new Invalid('authorize_console needs a host and a port');
    const token = newToken();
    const info: ConsoleConnectInfo = {
      instance_uuid: args.instance_uuid,
      console_type: args.console_type,
      host: args.host,
      port: args.port,
      internal_access_path: args.internal_access_path ?? null,
      access_url_base: args.access_url_base ?? null,
      expires: expiresAt(nowSeconds(this.now()), this.deps.conf.consoleauth.token_ttl),
    };
    await this.deps.db.consoleAuthTokens.create(hashToken(token), info);
    this.deps.log.info({ instance: info.instance_uuid, console_type: info.console_type, expires: info.expires }, 'console token issued');
    return token;
  }

  async check_token(_ctx: RequestContext, args: ConsoleAuthArgs<'check_token'>): Promise<ConsoleConnectInfo | null> {
    if (!wellFormedToken(args.token)) return null;
    const info = await this.deps.db.consoleAuthTokens.validate(hashToken(args.token), nowSeconds(this.now()));
    this.deps.log.info({ valid: info !== null, instance: info?.instance_uuid }, 'console token checked');
    return info;
  }

  async delete_tokens_for_instance(_ctx: RequestContext, args: ConsoleAuthArgs<'delete_tokens_for_instance'>): Promise<void> {
    const n = await this.deps.db.consoleAuthTokens.destroyForInstance(String(args.instance_uuid));
    if (n) this.deps.log.info({ instance: args.instance_uuid, tokens: n }, 'console tokens revoked');
  }

  periodicTasks(): readonly PeriodicTask[] {
    return [
      {
        name: 'clean_expired_console_tokens',
        intervalSec: this.deps.conf.DEFAULT.periodic_interval,
        run: async () => {
          const n = await this.deps.db.consoleAuthTokens.destroyExpired(nowSeconds(this.now()));
          if (n) this.deps.log.debug({ tokens: n }, 'expired console tokens removed');
        },
      },
    ];
  }
}
