import path from 'node:path';
import { ConfigError } from '../exception/base.ts';

export type DbUrl = { dialect: 'sqlite'; path: string } | { dialect: 'mysql'; host: string; port: number; user: string; password: string; database: string; socketPath?: string };

/**
 * Parse an SQLAlchemy-style `[database] connection` URL.
 * `sqlite:////abs/path.db`, `sqlite:///relative.db`, `sqlite://` (in memory);
 * `mysql+pymysql://user:pass@host:port/db?charset=utf8` (`mysql://`, `mysql+mysqldb://`, `mariadb://` too).
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
    const u = /^(?:([^:@/]*)(?::([^@/]*))?@)?([^/:?]*)(?::(\d+))?(?:\/([^?]*))?(?:\?(.*))?$/.exec(rest);
    if (!u) throw new ConfigError(`[database] connection: cannot parse '${maskDbUrl(raw)}'`);
    const database = decodeURIComponent(u[5] ?? '');
    if (!database) throw new ConfigError(`[database] connection: '${maskDbUrl(raw)}' names no database (…/nova)`);
    const params = new URLSearchParams(u[6] ?? '');
    const socketPath = params.get('unix_socket') ?? undefined;
    return {
      dialect: 'mysql',
      user: decodeURIComponent(u[1] ?? 'root'),
      password: decodeURIComponent(u[2] ?? ''),
      host: u[3] || 'localhost',
      port: u[4] ? Number(u[4]) : 3306,
      database,
      ...(socketPath ? { socketPath } : {}),
    };
  }
  throw new ConfigError(`[database] connection: unsupported database '${backend}://' (use sqlite:// or mysql+pymysql://)`);
}

export function maskDbUrl(raw: string): string {
  return raw.replace(/(\/\/[^:@/]*:)[^@/]*@/, '$1****@');
}
