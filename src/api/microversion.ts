/** The Compute API's microversions: the range of Nova 26 (Zed), negotiated by the kernel's scheme. */
import { MicroversionScheme } from '../http/microversion.ts';

export { atLeast, cmp, fmt, InvalidVersionHeader, type Microversion, NotAcceptableVersion, parseVersion } from '../http/microversion.ts';

export const MIN_VERSION = '2.1';
export const MAX_VERSION = '2.93';

/** `OpenStack-API-Version: compute X.Y` or the legacy `X-OpenStack-Nova-API-Version: X.Y`. */
export const COMPUTE_VERSIONS = new MicroversionScheme('compute', MIN_VERSION, MAX_VERSION, 'X-OpenStack-Nova-API-Version');

export const MIN = COMPUTE_VERSIONS.min;
export const MAX = COMPUTE_VERSIONS.max;

/** The version a request asks for (absent: 2.1, `latest`: 2.93, out of range: 406). */
export const negotiate = (headers: Readonly<Record<string, string | string[] | undefined>>) => COMPUTE_VERSIONS.negotiate(headers);
