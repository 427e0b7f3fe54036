/**
 * API microversions (the OpenStack-API-Version header), as Nova and Cinder
 * negotiate them: absent means the minimum, `latest` the maximum, anything
 * out of range a 406, a malformed value a 400. The answer names the version
 * chosen and says which headers it varies on.
 */
import { HttpError } from './errors.ts';

export interface Microversion {
  readonly major: number;
  readonly minor: number;
}

/** 406: a version outside the service's range. */
export class NotAcceptableVersion extends HttpError {
  constructor(message: string) {
    super(406, message);
  }
}

/** 400: a version header that is not X.Y. */
export class InvalidVersionHeader extends HttpError {
  constructor(message: string) {
    super(400, message);
  }
}

export function parseVersion(s: string): Microversion {
  const m = /^(\d+)\.(\d+)$/.exec(s.trim());
  if (!m) throw new InvalidVersionHeader(`Invalid API version request: ${s}`);
  return { major: Number(m[1]), minor: Number(m[2]) };
}

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

/** Does a route row with this min/max exist at `v`? */
export function inRange(row: { readonly minVersion?: string; readonly maxVersion?: string }, v: Microversion): boolean {
  if (row.minVersion && cmp(v, parseVersion(row.minVersion)) < 0) return false;
  if (row.maxVersion && cmp(v, parseVersion(row.maxVersion)) > 0) return false;
  return true;
}

type Headers = Readonly<Record<string, string | string[] | undefined>>;

/** One service's microversions: its name in the header, its range and its legacy header. */
export class MicroversionScheme {
  readonly min: Microversion;
  readonly max: Microversion;

  constructor(
    /** The service type in `OpenStack-API-Version: <service> X.Y`, e.g. compute. */
    readonly service: string,
    min: string,
    max: string,
    /** A service-specific header read when the generic one names no version (X-OpenStack-Nova-API-Version). */
    readonly legacyHeader?: string,
  ) {
    this.min = parseVersion(min);
    this.max = parseVersion(max);
  }

  /** The version a request asks for (the generic header wins over the legacy one). */
  negotiate(headers: Headers): Microversion {
    let requested: string | null = null;
    const generic = headers['openstack-api-version'];
    if (generic !== undefined) {
      const values = (Array.isArray(generic) ? generic.join(',') : generic).split(',');
      const re = new RegExp(`^\\s*${this.service}\\s+(\\S+)\\s*$`, 'i');
      for (const v of values) {
        const m = re.exec(v);
        if (m?.[1] !== undefined) requested = m[1];
      }
    }
    if (requested === null && this.legacyHeader) {
      const legacy = headers[this.legacyHeader.toLowerCase()];
      if (legacy !== undefined) requested = (Array.isArray(legacy) ? legacy[0] : legacy)?.trim() ?? null;
    }
    if (requested === null || requested === '') return this.min;
    if (requested.toLowerCase() === 'latest') return this.max;
    const v = parseVersion(requested);
    if (cmp(v, this.min) < 0 || cmp(v, this.max) > 0) {
      throw new NotAcceptableVersion(`Version ${requested} is not supported by the API. Minimum is ${fmt(this.min)} and maximum is ${fmt(this.max)}.`);
    }
    return v;
  }

  /** The headers that name the version of an answer. */
  headers(v: Microversion): Record<string, string> {
    const out: Record<string, string> = { 'OpenStack-API-Version': `${this.service} ${fmt(v)}` };
    if (this.legacyHeader) out[this.legacyHeader] = fmt(v);
    out.Vary = this.legacyHeader ? `OpenStack-API-Version, ${this.legacyHeader}` : 'OpenStack-API-Version';
    return out;
  }
}
