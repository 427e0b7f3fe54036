/**
 * Password hashing with scrypt (node:crypto): a random 16-byte salt per
 * password, stored as `scrypt$N$r$p$<salt b64>$<hash b64>`, compared in
 * constant time. Passwords are never stored or logged in clear.
 *
 * A password verified lately is remembered, for VERIFIED_MS, as an HMAC of
 * it under a key of this process (random, never stored) beside the stored
 * hash it matched: a client that logs in again (the openstack client does
 * at every command) is checked with one HMAC instead of one scrypt run.
 * Only a match is remembered, so a wrong password still costs scrypt; a
 * changed password has a new stored hash and is not found.
 */
import { createHmac, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

const N = 16384;
const R = 8;
const P = 1;
const KEYLEN = 32;
/** How long a verified password is remembered, and how many at the most (the oldest is forgotten first). */
const VERIFIED_MS = 300_000;
const VERIFIED_MAX = 1000;
const HMAC_KEY = randomBytes(32);
const verified = new Map<string, { mac: Buffer; until: number }>();

function mac(password: string): Buffer {
  return createHmac('sha256', HMAC_KEY).update(password.normalize('NFC')).digest();
}

/** Whether `password` is the one verified lately against `stored`. */
function verifiedLately(password: string, stored: string): boolean {
  const hit = verified.get(stored);
  if (!hit) return false;
  if (hit.until <= Date.now()) {
    verified.delete(stored);
    return false;
  }
  return timingSafeEqual(hit.mac, mac(password));
}

function remember(password: string, stored: string): void {
  verified.delete(stored);
  verified.set(stored, { mac: mac(password), until: Date.now() + VERIFIED_MS });
  if (verified.size <= VERIFIED_MAX) return;
  const oldest = verified.keys().next();
  if (!oldest.done) verified.delete(oldest.value);
}

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
  if (verifiedLately(password, parsed.stored)) return true;
  const expected = Buffer.from(parsed.hash, 'base64');
  const key = await derive(password, Buffer.from(parsed.salt, 'base64'), parsed.n, parsed.r, parsed.p, expected.length);
  const ok = key.length === expected.length && timingSafeEqual(key, expected);
  if (ok) remember(password, parsed.stored);
  return ok;
}

/** A stored hash that parsed: the string itself, and its parameters, salt and hash. */
interface ParsedHash {
  readonly stored: string;
  readonly n: number;
  readonly r: number;
  readonly p: number;
  readonly salt: string;
  readonly hash: string;
}

/** The parameters, salt and hash of `scrypt$N$r$p$<salt>$<hash>` (with the string itself), or null when it is not one. */
function parseHash(stored: string | null): ParsedHash | null {
  if (stored === null) return null;
  const parts = stored.split('$');
  const [scheme, n, r, p, salt, hash] = parts;
  const param = /^[1-9]\d{0,7}$/;
  if (parts.length !== 6 || scheme !== 'scrypt' || salt === undefined || hash === undefined) return null;
  if (n === undefined || r === undefined || p === undefined || !param.test(n) || !param.test(r) || !param.test(p)) return null;
  return { stored, n: Number(n), r: Number(r), p: Number(p), salt, hash };
}
