/** The pool behind a `[database] connection` naming several servers: one in use at a time, fail-over and fail-back. */
import type { MysqlPool, MysqlPoolConnection, MysqlQueryResult, MysqlStream, MysqlStreamOptions } from 'kysely';
import type { Pool, PoolConnection, ResultSetHeader, RowDataPacket } from 'mysql2';
import { type DbOptions, describe, mysqlPool, poolOptions } from './mysql.ts';
import { DBConnectionError, isConnectionError } from './outage.ts';
import type { DbHost, DbUrl } from './url.ts';

/** Galera's "not ready for application use" (a joining, donor-blocked or non-primary node): errno 1047. */
function isNotReady(e: unknown): boolean {
  return e !== null && typeof e === 'object' && 'code' in e && e.code === 'ER_UNKNOWN_COM_ERROR';
}

const where = (h: DbHost) => `${h.host.includes(':') ? `[${h.host}]` : h.host}:${h.port}`;

interface Member {
  readonly host: DbHost;
  readonly index: number;
  pool: Pool | null;
  /** Connections handed out and not yet released. */
  inUse: number;
  /** No longer the one in use: its pool is ended once its last connection comes back. */
  retired: boolean;
  /** Failed lately: tried after the others until then. */
  downUntil: number;
}

/** A pooled connection of a FailoverPool: its errors tell the pool about its server, its release where it came from. */
class FailoverConnection implements MysqlPoolConnection {
  constructor(
    private readonly raw: PoolConnection,
    private readonly member: Member,
    private readonly owner: FailoverPool,
  ) {}

  query(sql: string, parameters: Array<unknown>): { stream: <T>(options: MysqlStreamOptions) => MysqlStream<T> };
  query(sql: string, parameters: Array<unknown>, callback: (error: unknown, result: MysqlQueryResult) => void): void;
  query(
    sql: string,
    parameters: Array<unknown>,
    callback?: (error: unknown, result: MysqlQueryResult) => void,
  ): { stream: <T>(options: MysqlStreamOptions) => MysqlStream<T> } | undefined {
    if (!callback) return this.raw.query(sql, parameters);
    this.raw.query<RowDataPacket[] | ResultSetHeader>(sql, parameters, (err, result) => {
      if (err) this.owner.queryFailed(this.member, err);
      callback(err, result);
    });
    return undefined;
  }

  release(): void {
    this.raw.release();
    this.owner.released(this.member);
  }
}

/** What getConnection's callback gets beside an error (mysql2's pools pass nothing): every use fails with that error. */
class FailedConnection implements MysqlPoolConnection {
  constructor(private readonly error: unknown) {}

  query(sql: string, parameters: Array<unknown>): { stream: <T>(options: MysqlStreamOptions) => MysqlStream<T> };
  query(sql: string, parameters: Array<unknown>, callback: (error: unknown, result: MysqlQueryResult) => void): void;
  query(): never {
    throw this.error;
  }

  release(): void {}
}

/**
 * The pool behind a `[database] connection` naming several servers (a
 * Galera cluster without a load balancer in front). One server is in use
 * at a time — the first in the URL's order that answers, as HAProxy's
 * "one active, the others backup" setups do, so concurrent writers do not
 * meet in Galera's certification. When it fails (refused or lost
 * connection, or Galera's "not ready"), connections are taken from the next
 * server that answers; the query in flight fails with DBConnectionError.
 * Every retry_interval a server earlier in the list is tried again in the
 * background, and once it answers (and is ready) new connections go back
 * to it, so every process of a deployment converges on the same server.
 */
export class FailoverPool implements MysqlPool {
  private readonly members: Member[];
  private current = 0;
  private closed = false;
  private probing = false;
  private readonly probe: NodeJS.Timeout;
  private readonly checked = new WeakSet<PoolConnection>();
  private readonly wrapped = new WeakMap<PoolConnection, FailoverConnection>();

  constructor(
    private readonly url: Extract<DbUrl, { dialect: 'mysql' }>,
    private readonly opts: DbOptions,
    private readonly database: string | undefined,
  ) {
    this.members = url.hosts.map((host, index) => ({ host, index, pool: null, inUse: 0, retired: false, downUntil: 0 }));
    this.probe = setInterval(() => void this.failBack(), Math.max(250, opts.retryIntervalMs ?? 2000));
    this.probe.unref();
  }

  /** The server connections go to now. */
  get active(): DbHost {
    return (this.members[this.current] as Member).host;
  }

  getConnection(callback: (error: unknown, connection: MysqlPoolConnection) => void): void {
    this.acquire().then(
      (c) => callback(null, c),
      (e: unknown) => callback(e, new FailedConnection(e)),
    );
  }

  end(callback: (error: unknown) => void): void {
    this.closed = true;
    clearInterval(this.probe);
    const pools = this.members.flatMap((m) => (m.pool ? [m.pool] : []));
    for (const m of this.members) m.pool = null;
    Promise.all(pools.map((p) => new Promise<void>((r) => p.end(() => r())))).then(() => callback(null));
  }

  private async acquire(): Promise<FailoverConnection> {
    if (this.closed) throw new DBConnectionError('the database pool is closed');
    const start = this.current;
    const now = Date.now();
    const n = this.members.length;
    const ring = Array.from({ length: n }, (_, k) => this.members[(start + k) % n] as Member);
    // Servers that failed lately come last, but every server is tried once before the query fails.
    const order = [...ring.filter((m) => m.downUntil <= now || m.index === start), ...ring.filter((m) => m.downUntil > now && m.index !== start)];
    const failures: string[] = [];
    let last: unknown;
    for (const m of order) {
      try {
        const raw = await this.connect(m);
        if (m.index !== this.current && this.current === start) this.switchTo(m, failures.join('; '));
        m.inUse++;
        let c = this.wrapped.get(raw);
        if (!c) {
          c = new FailoverConnection(raw, m, this);
          this.wrapped.set(raw, c);
        }
        return c;
      } catch (e) {
        if (!isConnectionError(e) && !isNotReady(e)) throw e;
        m.downUntil = Date.now() + (this.opts.retryIntervalMs ?? 2000);
        failures.push(`${where(m.host)}: ${describe(e, { ...this.url, ...m.host })}`);
        last = e;
      }
    }
    const code = last !== null && typeof last === 'object' && 'code' in last && typeof last.code === 'string' ? last.code : null;
    throw new DBConnectionError(`no database server answers: ${failures.join('; ')}`, { code });
  }

  private poolOf(m: Member): Promise<Pool> {
    if (m.pool) return Promise.resolve(m.pool);
    return mysqlPool(this.url, this.opts, this.database, m.host).then((p) => {
      if (m.pool) {
        p.end(() => undefined);
        return m.pool;
      }
      m.pool = p;
      return p;
    });
  }

  /** A connection to `m`'s server; a new one is checked first (Galera: wsrep_ready). */
  private async connect(m: Member): Promise<PoolConnection> {
    const pool = await this.poolOf(m);
    const raw = await new Promise<PoolConnection>((resolve, reject) => pool.getConnection((err, c) => (err ? reject(err) : resolve(c)))).catch((e: unknown) =>
      // Its pool was ended meanwhile (the server was left for another): as good as unreachable.
      Promise.reject(m.pool === pool ? e : new DBConnectionError(`${where(m.host)} is no longer in use`)),
    );
    if (this.checked.has(raw)) return raw;
    try {
      await ready(raw);
    } catch (e) {
      raw.destroy();
      throw e;
    }
    this.checked.add(raw);
    return raw;
  }

  private switchTo(m: Member, why: string): void {
    const old = this.members[this.current] as Member;
    this.current = m.index;
    m.retired = false;
    old.retired = true;
    if (old.inUse === 0) this.endPool(old);
    const level = m.index < old.index ? 'info' : 'warn';
    this.opts.log?.[level](
      { from: where(old.host), to: where(m.host), ...(why ? { err: why } : {}) },
      m.index < old.index ? 'database server answers again; using it' : 'database server failed; using the next one',
    );
  }

  private endPool(m: Member): void {
    const p = m.pool;
    m.pool = null;
    p?.end(() => undefined);
  }

  /** A connection of `m` came back. */
  released(m: Member): void {
    m.inUse = Math.max(0, m.inUse - 1);
    if (m.retired && m.inUse === 0) this.endPool(m);
  }

  /** A query failed on `m`: a Galera node that stopped being ready is left at once (a lost connection: the next connect decides). */
  queryFailed(m: Member, e: unknown): void {
    if (!isNotReady(e) || m.index !== this.current) return;
    m.downUntil = Date.now() + (this.opts.retryIntervalMs ?? 2000);
    const next = this.members.find((x) => x.index !== m.index && x.downUntil <= Date.now());
    if (next) this.switchTo(next, `${where(m.host)} is not ready`);
  }

  /** Try the servers before the one in use; go back to the first that answers and is ready. */
  private async failBack(): Promise<void> {
    if (this.closed || this.probing || this.current === 0) return;
    this.probing = true;
    try {
      const { createConnection } = await import('mysql2');
      for (const m of this.members.slice(0, this.current)) {
        const c = createConnection(poolOptions(this.url, { ...this.opts, connectTimeoutMs: Math.min(this.opts.connectTimeoutMs ?? 10_000, 5000) }, this.database, m.host));
        c.on('error', () => undefined);
        const ok = await new Promise<void>((resolve, reject) => c.connect((err) => (err ? reject(err) : resolve())))
          .then(() => ready(c))
          .then(
            () => true,
            () => false,
          );
        c.destroy();
        if (ok && !this.closed && m.index < this.current) {
          m.downUntil = 0;
          this.switchTo(m, '');
          return;
        }
      }
    } finally {
      this.probing = false;
    }
  }
}

/** Rows of a SHOW statement as a name → value map. */
function show(c: { query: PoolConnection['query'] }, sql: string): Promise<Map<string, string>> {
  return new Promise((resolve, reject) =>
    c.query<RowDataPacket[]>(sql, (err, rows) => (err ? reject(err) : resolve(new Map(rows.map((r) => [String(r.Variable_name), String(r.Value)]))))),
  );
}

/** Fails with a not-ready error (errno 1047, as Galera's) when the server is a Galera node that is not ready; other servers are always ready. */
async function ready(c: { query: PoolConnection['query'] }): Promise<void> {
  const on = (await show(c, "SHOW GLOBAL VARIABLES LIKE 'wsrep_on'")).get('wsrep_on');
  if (on === undefined || on === 'OFF') return;
  if ((await show(c, "SHOW GLOBAL STATUS LIKE 'wsrep_ready'")).get('wsrep_ready') === 'ON') return;
  throw Object.assign(new Error('WSREP has not yet prepared node for application use'), { code: 'ER_UNKNOWN_COM_ERROR' });
}
