/**
 * The Origin check of Nova's websocketproxy: a browser may open a console
 * websocket only from a page of the proxy itself (the Host it asked, the
 * proxy's base URL host) or of a host in `[console] allowed_origins`, and
 * with the scheme of the base URL (http ~ ws, https ~ wss). Clients that
 * send no Origin (not browsers) pass, as in Nova.
 */

export interface OriginInput {
  /** The Origin header (undefined: no header). */
  origin: string | undefined;
  /** The Host header. */
  host: string | undefined;
  /** X-Forwarded-Proto, preferred over the Origin's scheme when present (TLS terminated in front). */
  forwardedProto?: string | undefined;
  /** The base URL the token was issued for (or the proxy's configured one). */
  baseUrl: string | null;
  /** `[console] allowed_origins`. */
  allowedOrigins: readonly string[];
}

/** The hostname of a Host header value (`h`, `h:port`, `[v6]:port`). */
export function hostnameOf(host: string): string {
  if (host.startsWith('[')) return host.slice(1, host.indexOf(']') > 0 ? host.indexOf(']') : undefined).toLowerCase();
  const colon = host.indexOf(':');
  return (colon >= 0 && host.indexOf(':', colon + 1) < 0 ? host.slice(0, colon) : host).toLowerCase();
}

function parse(u: string): URL | null {
  try {
    return new URL(u);
  } catch {
    return null;
  }
}

const stripBrackets = (h: string) => h.replace(/^\[|\]$/g, '').toLowerCase();

/** null when the origin is acceptable, otherwise Nova's reason. */
export function checkOrigin(i: OriginInput): string | null {
  if (i.origin === undefined) return null;
  const origin = parse(i.origin);
  if (!origin?.hostname || !origin.protocol) return 'Origin header not valid.';
  const base = i.baseUrl ? parse(i.baseUrl) : null;
  const expected = new Set(i.allowedOrigins.map((h) => h.toLowerCase()));
  if (i.host) expected.add(hostnameOf(i.host));
  if (base?.hostname) expected.add(stripBrackets(base.hostname));
  if (!expected.has(stripBrackets(origin.hostname))) return 'Origin header does not match this host.';
  if (!base) return null;
  const scheme = (i.forwardedProto ?? origin.protocol.replace(/:$/, '')).toLowerCase();
  const want = [base.protocol.replace(/:$/, '').toLowerCase()];
  if (want.includes('ws')) want.push('http');
  if (want.includes('wss')) want.push('https');
  if (!want.includes(scheme)) return 'Origin header protocol does not match this host.';
  return null;
}
