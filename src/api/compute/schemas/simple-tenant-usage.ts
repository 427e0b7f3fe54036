/**
 * Query schemas of os-simple-tenant-usage
 * (nova/api/openstack/compute/schemas/simple_tenant_usage.py) and Nova's
 * parsing of its start/end times.
 */
import { PAGINATION, type QuerySpec } from './query.ts';

/** GET /os-simple-tenant-usage before 2.40 (unknown parameters ignored). */
export const indexQuery: QuerySpec = { start: {}, end: {}, detailed: {} };
/** GET /os-simple-tenant-usage/{tenant_id} before 2.40. */
export const showQuery: QuerySpec = { start: {}, end: {} };
/** 2.40: limit and marker (unknown parameters a 400 from 2.75). */
export const indexQueryV240: QuerySpec = { ...indexQuery, ...PAGINATION };
export const showQueryV240: QuerySpec = { ...showQuery, ...PAGINATION };

/** The formats Nova tries, in order, as strptime patterns: %Y-%m-%dT%H:%M:%S, then with .%f, then '%Y-%m-%d %H:%M:%S.%f'. */
const DATE = '(\\d{4})-(1[0-2]|0[1-9]|[1-9])-(3[01]|[12]\\d|0[1-9]|[1-9]| [1-9])';
const TIME = '(2[0-3]|[0-1]\\d|\\d):([0-5]\\d|\\d):(6[0-1]|[0-5]\\d|\\d)';
const FORMATS = [new RegExp(`^${DATE}T${TIME}$`, 'i'), new RegExp(`^${DATE}T${TIME}\\.(\\d{1,6})$`, 'i'), new RegExp(`^${DATE} ${TIME}\\.(\\d{1,6})$`, 'i')];

/**
 * A naive UTC time as Nova's _parse_datetime reads it, in microseconds since
 * the epoch; null when no format fits (Nova's "Datetime is in invalid format").
 */
export function parseUsageTime(s: string): number | null {
  for (const re of FORMATS) {
    const m = re.exec(s);
    if (!m) continue;
    // Groups 1–6 are in every format (a day may carry a leading blank, as %d accepts).
    const group = (i: number) => Number(String(m[i]).trim());
    const y = group(1);
    const mo = group(2);
    const d = group(3);
    const sec = group(6);
    const frac = Number((m[7] ?? '').padEnd(6, '0'));
    const ms = Date.UTC(y, mo - 1, d, group(4), group(5), sec);
    const back = new Date(ms);
    // datetime() refuses what does not exist: Feb 30, second 60, year 0.
    if (y < 1 || back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || back.getUTCSeconds() !== sec) continue;
    return ms * 1000 + frac;
  }
  return null;
}
