/**
 * Password hashing with scrypt (node:crypto): a random 16-byte salt per
 * password, stored as `scrypt$N$r$p$<salt b64>$<hash b64>`, compared in
 * constant time. Passwords are never stored or logged in clear.
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

const N = 16384;
const R = 8;
const P = 1;
const KEYLEN = 32;

function derive(password: string, salt: Buffer, n: number, r: number, p: number, keylen: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, keylen, { N: n, r, p, maxmem: 256 * n * r + 1024 * 1024 }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** Hash a password for storage. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, N, R, P, KEYLEN);
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** A hash of nothing, verified against when a user does not exist, so that both cases take as long. */
let dummy: Promise<string> | null = null;

/**
 * Check a password against a stored hash (constant-time comparison). A null
 * or malformed hash never matches, but still costs one scrypt run.
 */
export async function verifyPassword(password: string, stored: string | null): Promise<boolean> {
  const parsed = parseHash(stored);
  if (!parsed) {
    dummy ??= hashPassword(randomBytes(16).toString('hex'));
    await verifyPassword(password, await dummy);
    return false;
  }
  const expected = Buffer.from(parsed.hash, 'base64');
  const key = await derive(password, Buffer.from(parsed.salt, 'base64'), parsed.n, parsed.r, parsed.p, expected.length);
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** The parameters, salt and hash of `scrypt$N$r$p$<salt>$<hash>`, or null when it is not one. */
function parseHash(stored: string | null): { n: number; r: number; p: number; salt: string; hash: string } | null {
  const parts = stored?.split('$') ?? [];
  const [scheme, n, r, p, salt, hash] = parts;
  const param = /^[1-9]\d{0,7}$/;
  if (parts.length !== 6 || scheme !== 'scrypt' || salt === undefined || hash === undefined) return null;
  if (n === undefined || r === undefined || p === undefined || !param.test(n) || !param.test(r) || !param.test(p)) return null;
  return { n: Number(n), r: Number(r), p: Number(p), salt, hash };
}
