import { CliError, CommandError } from './errors.ts';

const unsupported = (message: string) => new CliError('UnsupportedVersion', message);

/** A compute API microversion, e.g. 2.53. */
export interface ApiVersion {
  readonly major: number;
  readonly minor: number;
}

/** The oldest microversion this client speaks. */
export const CLIENT_MIN = '2.1';
/** The newest microversion this client speaks (Nova 26, Zed). */
export const CLIENT_MAX = '2.93';

/** Parse `X.Y`; throws a CommandError on anything else. */
export function parseVersion(s: string): ApiVersion {
  const m = /^(\d+)\.(\d+)$/.exec(s.trim());
  if (!m) throw new CommandError(`Invalid API version '${s}': it must be in the form 'X.Y' or '2.latest'.`);
  return { major: Number(m[1]), minor: Number(m[2]) };
}

/** Negative, zero or positive as a is older than, equal to or newer than b. */
export function compareVersions(a: ApiVersion, b: ApiVersion): number {
  return a.major - b.major || a.minor - b.minor;
}

/** Is `v` at least `x.y`? */
export function atLeast(v: ApiVersion, s: string): boolean {
  return compareVersions(v, parseVersion(s)) >= 0;
}

/** `X.Y`. */
export function formatVersion(v: ApiVersion): string {
  return `${v.major}.${v.minor}`;
}

/** The older of two versions. */
export function minVersion(a: ApiVersion, b: ApiVersion): ApiVersion {
  return compareVersions(a, b) <= 0 ? a : b;
}

/**
 * What `--os-compute-api-version` asks for: `null` (negotiate with the server:
 * not given, `latest`, `2.latest`) or a fixed version inside the client's range.
 * `2` and `2.0` mean the base v2.1 API.
 */
export function requestedVersion(s: string | undefined | null): ApiVersion | null {
  if (s === undefined || s === null || s === '' || /^(2\.)?latest$/i.test(s.trim())) return null;
  if (/^2(\.0)?$/.test(s.trim())) return parseVersion(CLIENT_MIN);
  const v = parseVersion(s);
  if (compareVersions(v, parseVersion(CLIENT_MIN)) < 0 || compareVersions(v, parseVersion(CLIENT_MAX)) > 0) {
    throw unsupported(`The specified version isn't supported by client. The valid version range is '${CLIENT_MIN}' to '${CLIENT_MAX}'`);
  }
  return v;
}

/**
 * The version to use against a server that offers `min`..`max` (from GET /v2.1):
 * the newest both sides speak, as novaclient's `2.latest`.
 */
export function negotiatedVersion(serverMin: string | undefined, serverMax: string | undefined): ApiVersion {
  const client = parseVersion(CLIENT_MAX);
  if (!serverMax) return parseVersion(CLIENT_MIN); // a server without microversions: the base API
  const max = parseVersion(serverMax);
  if (serverMin && compareVersions(parseVersion(serverMin), client) > 0) {
    throw unsupported(`The server's minimum microversion ${serverMin} is newer than this client's maximum ${CLIENT_MAX}.`);
  }
  if (compareVersions(max, parseVersion(CLIENT_MIN)) < 0) return parseVersion(CLIENT_MIN);
  return minVersion(max, client);
}
