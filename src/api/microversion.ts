import { NovaError } from '../exception/base.ts';

/** The microversions this API implements: the same range as Nova 26 (Zed). */
export const MIN_VERSION = '2.1';
export const MAX_VERSION = '2.93';

export interface Microversion {
  readonly major: number;
  readonly minor: number;
}

export class NotAcceptableVersion extends NovaError {
  override readonly status = 406;
}
export class InvalidVersionHeader extends NovaError {
  override readonly status = 400;
}

export function parseVersion(s: string): Microversion {
  const m = /^(\d+)\.(\d+)$/.exec(s.trim());
  if (!m) throw new InvalidVersionHeader(`Invalid API version request: ${s}`);
  return { major: Number(m[1]), minor: Number(m[2]) };
}

export const MIN = parseVersion(MIN_VERSION);
export const MAX = parseVersion(MAX_VERSION);

export function cmp(a: Microversion, b: Microversion): number {
  return a.major - b.major || a.minor - b.minor;
}

export function fmt(v: Microversion): string {
  return `${v.major}.${v.minor}`;
}

/** Is `v` at least `x.y`? */
export function atLeast(v: Microversion, s: string): boolean {
  return cmp(v, parseVersion(s)) >= 0;
}

/**
 * Negotiate the microversion from `OpenStack-API-Version: compute X.Y` (wins)
 * or `X-OpenStack-Nova-API-Version: X.Y`, as Nova does: absent → 2.1,
 * `latest` → the maximum, out of range → 406.
 */
export function negotiate(headers: Record<string, string | string[] | undefined>): Microversion {
  let requested: string | null = null;
  const generic = headers['openstack-api-version'];
  if (generic !== undefined) {
    const values = (Array.isArray(generic) ? generic.join(',') : generic).split(',');
    for (const v of values) {
      const m = /^\s*compute\s+(\S+)\s*$/i.exec(v);
      if (m) requested = m[1] as string;
    }
  }
  if (requested === null) {
    const legacy = headers['x-openstack-nova-api-version'];
    if (legacy !== undefined) requested = (Array.isArray(legacy) ? legacy[0] : legacy)?.trim() ?? null;
  }
  if (requested === null || requested === '') return MIN;
  if (requested.toLowerCase() === 'latest') return MAX;
  const v = parseVersion(requested);
  if (cmp(v, MIN) < 0 || cmp(v, MAX) > 0) {
    throw new NotAcceptableVersion(`Version ${requested} is not supported by the API. Minimum is ${MIN_VERSION} and maximum is ${MAX_VERSION}.`);
  }
  return v;
}
