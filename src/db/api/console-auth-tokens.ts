import type { Generated, Kysely, Selectable } from 'kysely';
import type { ConsoleConnectInfo, ConsoleType } from '../../objects/console-auth-token.ts';
import type { NovaDatabase } from '../schema.ts';
import { dbTime } from '../time.ts';
import { affected, type Db } from './common.ts';

/** Row type of console_auth_tokens (migration 003). */
export interface ConsoleAuthTokensTable {
  id: Generated<number>;
  created_at: string | null;
  updated_at: string | null;
  token_hash: string;
  console_type: string;
  host: string;
  port: number | null;
  internal_access_path: string | null;
  instance_uuid: string;
  access_url_base: string | null;
  expires: number;
}

type Tables = NovaDatabase & { console_auth_tokens: ConsoleAuthTokensTable };

const toInfo = (r: Selectable<ConsoleAuthTokensTable>): ConsoleConnectInfo => ({
  instance_uuid: r.instance_uuid,
  console_type: r.console_type as ConsoleType,
  host: r.host,
  port: Number(r.port ?? 0),
  internal_access_path: r.internal_access_path,
  access_url_base: r.access_url_base,
  expires: Number(r.expires),
});

/** console_auth_tokens: console tokens by their SHA-256 (the token itself is never stored). */
export class ConsoleAuthTokenRepository {
  private readonly k: Kysely<Tables>;

  constructor(db: Db) {
    this.k = db.kysely.withTables<{ console_auth_tokens: ConsoleAuthTokensTable }>();
  }

  async create(tokenHash: string, info: ConsoleConnectInfo): Promise<void> {
    await this.k
      .insertInto('console_auth_tokens')
      .values({ ...info, token_hash: tokenHash, created_at: dbTime(), updated_at: null })
      .execute();
  }

  /** The grant of a token hash, or null when unknown or expired at `nowSec`. */
  async validate(tokenHash: string, nowSec: number): Promise<ConsoleConnectInfo | null> {
    const r = await this.k.selectFrom('console_auth_tokens').selectAll().where('token_hash', '=', tokenHash).where('expires', '>', nowSec).executeTakeFirst();
    return r ? toInfo(r) : null;
  }

  /** Revoke every token of an instance; returns how many there were. */
  async destroyForInstance(instanceUuid: string): Promise<number> {
    return affected(await this.k.deleteFrom('console_auth_tokens').where('instance_uuid', '=', instanceUuid).executeTakeFirst());
  }

  /** Drop tokens that expired before `nowSec`. */
  async destroyExpired(nowSec: number): Promise<number> {
    return affected(await this.k.deleteFrom('console_auth_tokens').where('expires', '<=', nowSec).executeTakeFirst());
  }
}
