import { createHash, randomUUID } from 'node:crypto';

/** A new console token: a random (version 4) UUID, as Nova's ConsoleAuthToken.authorize (uuidutils.generate_uuid); URL-safe as is. */
export function newToken(): string {
  return randomUUID();
}

/** What is stored for a token: its SHA-256, hex. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Does this look like a token we issue? (Anything else is refused without a database look-up.) */
export function wellFormedToken(token: unknown): token is string {
  return typeof token === 'string' && /^[A-Za-z0-9_-]{16,128}$/.test(token);
}

/** UNIX time in whole seconds. */
export function nowSeconds(now: number = Date.now()): number {
  return Math.floor(now / 1000);
}

/** When a token issued at `nowSec` with `ttlSec` expires (it is valid while now < expires). */
export function expiresAt(nowSec: number, ttlSec: number): number {
  return nowSec + ttlSec;
}
