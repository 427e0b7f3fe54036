import { createHash, randomBytes } from 'node:crypto';

/** Bytes of randomness in a console token (256 bits). */
export const TOKEN_BYTES = 32;

/** A new console token: 32 random bytes, base64url (43 characters, URL-safe as is). */
export function newToken(): string {
  return randomBytes(TOKEN_BYTES).toString('base64url');
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
