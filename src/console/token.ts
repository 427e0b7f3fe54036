/**
 * Console tokens at the proxies: where a request carries its token, and the
 * check against nova-consoleauth that must pass before the proxy opens any
 * connection to the guest's console.
 */
import type { IncomingMessage } from 'node:http';
import type { ConsoleAuthAPI } from '../consoleauth/rpc-types.ts';
import { adminContext } from '../context.ts';
import type { ConsoleConnectInfo, ConsoleType } from '../objects/console-auth-token.ts';

/** A cookie value by name from a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | null {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) {
      const raw = part.slice(eq + 1).trim();
      try {
        return decodeURIComponent(raw);
      } catch {
        return raw;
      }
    }
  }
  return null;
}

/**
 * The token of a console request, as Nova's websocketproxy finds it: the
 * `token` query parameter (noVNC's `path=?token=…` ends up there, as does
 * the serial URL's), a `token` inside a `path` parameter, or the `token`
 * cookie (spice-html5 sets it).
 */
export function tokenFromRequest(req: Pick<IncomingMessage, 'url' | 'headers'>): string | null {
  const url = new URL(req.url ?? '/', 'http://proxy.invalid');
  const direct = url.searchParams.get('token');
  if (direct) return direct;
  const inPath = url.searchParams.get('path');
  if (inPath) {
    const nested = new URLSearchParams(inPath.slice(inPath.indexOf('?') + 1)).get('token');
    if (nested) return nested;
  }
  return cookieValue(req.headers.cookie, 'token');
}

/** Why a console request was refused (mapped to an HTTP status on the upgrade). */
export class ConsoleRefused extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Ask nova-consoleauth what the token grants; refuse (401) an unknown,
 * expired or other-console token, and (503) when consoleauth cannot be asked.
 */
export async function checkConsoleToken(consoleauth: Pick<ConsoleAuthAPI, 'check_token'>, token: string | null, type: ConsoleType): Promise<ConsoleConnectInfo> {
  if (!token) throw new ConsoleRefused(401, 'Token not found');
  let info: ConsoleConnectInfo | null;
  try {
    info = await consoleauth.check_token(adminContext(), { token });
  } catch (e) {
    throw new ConsoleRefused(503, `Cannot check the console token: ${(e as Error).message}`);
  }
  if (!info) throw new ConsoleRefused(401, 'The token has expired or is invalid.');
  if (info.console_type !== type) throw new ConsoleRefused(401, `The token is for a ${info.console_type} console, not ${type}.`);
  return info;
}
