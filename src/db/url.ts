import path from 'node:path';
import { ConfigError } from '../exception/base.ts';

/** One server of a `[database] connection` URL. */
export interface DbHost {
  host: string;
  port: number;
}

/**
 * A parsed `[database] connection`. MySQL: `hosts` are the servers in the
 * order given (one or more, comma separated); `host`/`port` are the first.
 */
export type DbUrl =
  | { dialect: 'sqlite'; path: string }
  | { dialect: 'mysql'; host: string; port: number; hosts: DbHost[]; user: string; password: string; database: string; socketPath?: string };

function parseHost(raw: string, url: string): DbHost {
  const m = /^(\[[^\]]+\]|[^:[\]]*)(?::(\d+))?$/.exec(raw);
  if (!m) throw new ConfigError(`[database] connection: bad host '${raw}' in '${maskDbUrl(url)}'`);
  const port = m[2] ? Number(m[2]) : 3306;
  if (port < 1 || port > 65535) throw new ConfigError(`[database] connection: bad port in '${raw}' of '${maskDbUrl(url)}'`);
  return { host: (m[1] ?? '').replace(/^\[|\]$/g, '') || 'localhost', port };
}

/**
 * Parse an SQLAlchemy-style `[database] connection` URL.
 * `sqlite:////abs/path.db`, `sqlite:///relative.db`, `sqlite://` (in memory);
 * `mysql+pymysql://user:pass@host:port/db?charset=utf8` (`mysql://`, `mysql+mysqldb://`, `mariadb://` too);
 * several servers comma separated, as transport_url names several brokers:
 * `mysql+pymysql://user:pass@h1:3306,h2:3306,h3/nova` (one user, password and
 * database for all; a host without a port has 3306).
 */
export function parseDbUrl(raw: string): DbUrl {
  const m = /^([a-z][a-z0-9]*)(?:\+([a-z0-9_]+))?:\/\/(.*)$/i.exec(raw.trim());
  if (!m) throw new ConfigError(`[database] connection: '${maskDbUrl(raw)}' is not a database URL (expected sqlite:///path or mysql+pymysql://user:pass@host/nova)`);
  const backend = (m[1] as string).toLowerCase();
  const rest = m[3] as string;
  if (backend === 'sqlite') {
    if (rest === '' || rest === '/' || rest === '/:memory:') return { dialect: 'sqlite', path: ':memory:' };
    if (!rest.startsWith('/')) throw new ConfigError(`[database] connection: sqlite URLs are sqlite:///relative or sqlite:////absolute, got '${raw}'`);
    return { dialect: 'sqlite', path: path.resolve(rest.slice(1)) };
  }
  if (backend === 'mysql' || backend === 'mariadb') {
    const u = /^(?:([^:@/]*)(?::([^@/]*))?@)?([^/?]*)(?:\/([^?]*))?(?:\?(.*))?$/.exec(rest);
    if (!u) throw new ConfigError(`[database] connection: cannot parse '${maskDbUrl(raw)}'`);
    const database = decodeURIComponent(u[4] ?? '');
    if (!database) throw new ConfigError(`[database] connection: '${maskDbUrl(raw)}' names no database (…/nova)`);
    const items = (u[3] ?? '').split(',');
    if (items.length > 1 && items.some((h) => h.trim() === '')) throw new ConfigError(`[database] connection: empty host in '${maskDbUrl(raw)}'`);
    const hosts = items.map((h) => parseHost(h.trim(), raw));
    const first = hosts[0] ?? { host: 'localhost', port: 3306 };
    const params = new URLSearchParams(u[5] ?? '');
    const socketPath = params.get('unix_socket') ?? undefined;
    if (socketPath && hosts.length > 1) throw new ConfigError(`[database] connection: unix_socket names one server, but '${maskDbUrl(raw)}' names ${hosts.length}`);
    return {
      dialect: 'mysql',
      user: decodeURIComponent(u[1] ?? 'root'),
      password: decodeURIComponent(u[2] ?? ''),
      host: first.host,
      port: first.port,
      hosts,
      database,
      ...(socketPath ? { socketPath } : {}),
    };
  }
  throw new ConfigError(`[database] connection: unsupported database '${backend}://' (use sqlite:// or mysql+pymysql://)`);
}

export function maskDbUrl(raw: string): string {
  return raw.replace(/(\/\/[^:@/]*:)[^@/]*@/, '$1****@');
}
