/**
 * Request schemas of os-keypairs (nova/api/openstack/compute/schemas/keypairs.py)
 * and the checks on what is imported: the name's allowed characters and the
 * public key itself (OpenSSH format, as pyca/cryptography's
 * load_ssh_public_key accepts it; or an X.509 certificate in PEM).
 */
import { createHash, createPublicKey, X509Certificate } from 'node:crypto';
import { type Static, Type } from 'typebox';
import { errorMessage } from '../../../util/error-message.ts';
import { badRequest } from '../../errors.ts';
import { checkName } from './parameter-types.ts';
import { PAGINATION, type QuerySpec } from './query.ts';

const name = Type.String({ minLength: 1, maxLength: 255 });
const keyType = Type.Unsafe<'ssh' | 'x509'>({ type: 'string', enum: ['ssh', 'x509'] });

/** POST /os-keypairs at 2.1. */
export const create = Type.Object({ keypair: Type.Object({ name, public_key: Type.Optional(Type.String()) }, { additionalProperties: false }) }, { additionalProperties: false });

/** 2.2–2.9: adds type. */
export const createV22 = Type.Object(
  { keypair: Type.Object({ name, type: Type.Optional(keyType), public_key: Type.Optional(Type.String()) }, { additionalProperties: false }) },
  { additionalProperties: false },
);

/** 2.10–2.91: adds user_id (admins create for other users). */
export const createV210 = Type.Object(
  {
    keypair: Type.Object({ name, type: Type.Optional(keyType), public_key: Type.Optional(Type.String()), user_id: Type.Optional(Type.String()) }, { additionalProperties: false }),
  },
  { additionalProperties: false },
);

/** From 2.92: public_key is required (no more server-side generation); names may contain @ and '.'. */
export const createV292 = Type.Object(
  {
    keypair: Type.Object({ name, type: Type.Optional(keyType), public_key: Type.String(), user_id: Type.Optional(Type.String()) }, { additionalProperties: false }),
  },
  { additionalProperties: false },
);

/** A create body at any microversion (type from 2.2, user_id from 2.10, public_key required from 2.92). */
export type CreateBody = Static<typeof createV210>;

/** Query parameters by microversion (unknown ones are a 400 from 2.75). */
export const queryV20: QuerySpec = {};
export const queryV210: QuerySpec = { user_id: {} };
export const indexQueryV235: QuerySpec = { user_id: {}, ...PAGINATION };

const LETTERS_DIGITS = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** keypair_name_special_chars(_292): printable without surrounding whitespace, then only "_- " (and "@." from 2.92), digits and letters. */
export function checkKeypairName(value: string, v292: boolean): void {
  checkName(value);
  const safe = `${v292 ? '@._- ' : '_- '}${LETTERS_DIGITS}`;
  if ([...value].some((c) => !safe.includes(c))) throw badRequest(`An invalid 'name' value was provided. The name must be: Only expected characters: [${safe}]`);
}

/** InvalidKeypair (400): "Keypair data is invalid: …". */
export const invalidKeypair = (reason: string) => badRequest(`Keypair data is invalid: ${reason}`);

/** Read an SSH wire-format string (uint32 length + bytes). */
function sshString(buf: Buffer, off: number): { value: Buffer; next: number } {
  if (off + 4 > buf.length) throw new Error('truncated');
  const len = buf.readUInt32BE(off);
  if (off + 4 + len > buf.length) throw new Error('truncated');
  return { value: buf.subarray(off + 4, off + 4 + len), next: off + 4 + len };
}

const b64url = (b: Buffer) => b.toString('base64url');
/** An SSH mpint as unsigned big-endian bytes (no sign byte). */
const unsigned = (b: Buffer) => (b.length > 1 && b[0] === 0 ? b.subarray(1) : b);

const EC_CURVES: Record<string, { crv: string; size: number }> = {
  nistp256: { crv: 'P-256', size: 32 },
  nistp384: { crv: 'P-384', size: 48 },
  nistp521: { crv: 'P-521', size: 66 },
};

/** Check the key material after the type string; throws on anything malformed. */
function checkKeyBody(type: string, blob: Buffer, off: number): void {
  const take = () => {
    const s = sshString(blob, off);
    off = s.next;
    return s.value;
  };
  if (type === 'ssh-rsa') {
    const e = take();
    const n = take();
    createPublicKey({ key: { kty: 'RSA', n: b64url(unsigned(n)), e: b64url(unsigned(e)) }, format: 'jwk' });
  } else if (type === 'ssh-ed25519') {
    const x = take();
    if (x.length !== 32) throw new Error('bad ed25519 key');
    createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64url(x) }, format: 'jwk' });
  } else if (type.startsWith('ecdsa-sha2-')) {
    const curve = EC_CURVES[type.slice('ecdsa-sha2-'.length)];
    if (!curve || take().toString('latin1') !== type.slice('ecdsa-sha2-'.length)) throw new Error('bad curve');
    const q = take();
    if (q[0] === 4 && q.length === 1 + 2 * curve.size) {
      const x = q.subarray(1, 1 + curve.size);
      const y = q.subarray(1 + curve.size);
      createPublicKey({ key: { kty: 'EC', crv: curve.crv, x: b64url(x), y: b64url(y) }, format: 'jwk' });
    } else if (!((q[0] === 2 || q[0] === 3) && q.length === 1 + curve.size)) {
      throw new Error('bad point');
    }
  } else if (type === 'ssh-dss') {
    for (let i = 0; i < 4; i++) if (take().length === 0) throw new Error('bad dss key');
  } else {
    throw new Error(`unsupported key type ${type}`);
  }
  if (off !== blob.length) throw new Error('extra data after the key');
}

/**
 * crypto.generate_fingerprint: validate an OpenSSH public key
 * ("ssh-rsa AAAA… comment") and return the MD5 of its blob as
 * colon-separated hex. Invalid keys: "Keypair data is invalid: failed to
 * generate fingerprint" (400).
 */
export function sshFingerprint(publicKey: string): string {
  try {
    const m = /^(\S+)[ \t]+(\S+)/.exec(publicKey);
    if (!m) throw new Error('format');
    const type = m[1] ?? '';
    const body = m[2] ?? '';
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(body) || body.length % 4 !== 0) throw new Error('base64');
    const blob = Buffer.from(body, 'base64');
    const inner = sshString(blob, 0);
    if (inner.value.toString('latin1') !== type) throw new Error('key type mismatch');
    checkKeyBody(type, blob, inner.next);
    const hex = createHash('md5').update(blob).digest('hex');
    return hex.match(/../g)?.join(':') ?? '';
  } catch {
    throw invalidKeypair('failed to generate fingerprint');
  }
}

/** crypto.generate_x509_fingerprint: the SHA-1 of a PEM certificate, lower-case colon-separated hex. */
export function x509Fingerprint(pem: string): string {
  try {
    return new X509Certificate(pem).fingerprint.toLowerCase();
  } catch (e) {
    throw invalidKeypair(`failed to generate X509 fingerprint. Error message: ${errorMessage(e)}`);
  }
}
