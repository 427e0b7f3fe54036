/**
 * TLS pre-shared keys as QEMU and qemu-img read them: a private directory
 * holding `keys.psk`, one `identity:hexkey` line per identity (a server
 * reads the file at each TLS handshake, so identities can be added and
 * removed while it runs).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { HypervisorError } from '../exception/virt.ts';

/** The PSK identity both ends of a move use. */
export const PSK_USER = 'nova';

/** A new key: 32 random bytes, hex. */
export function newPsk(): string {
  return randomBytes(32).toString('hex');
}

/** Write `keys` (identity → 64 hex digit key) as QEMU's `keys.psk` in `dir` (created 0700, the file 0600, replaced atomically); returns `dir`. */
export function writePskKeys(dir: string, keys: Readonly<Record<string, string>>): string {
  const lines = Object.entries(keys).map(([user, key]) => {
    if (!/^[0-9a-f]{64}$/.test(key)) throw new HypervisorError('a TLS-PSK key must be 64 hex digits');
    if (!/^[A-Za-z0-9._-]+$/.test(user)) throw new HypervisorError(`bad TLS-PSK identity '${user}'`);
    return `${user}:${key}\n`;
  });
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, 'keys.psk');
  fs.writeFileSync(`${file}.tmp`, lines.join(''), { mode: 0o600 });
  fs.renameSync(`${file}.tmp`, file);
  return dir;
}

/** Write `key` as the one key (identity PSK_USER) of `keys.psk` in `dir`; returns `dir`. */
export function writePskDir(dir: string, key: string): string {
  return writePskKeys(dir, { [PSK_USER]: key });
}

/** The QMP object-add arguments of the key in `dir` (server: the end that listens). */
export function pskObject(id: string, dir: string, endpoint: 'server' | 'client'): Record<string, unknown> {
  return { 'qom-type': 'tls-creds-psk', id, endpoint, dir, ...(endpoint === 'client' ? { username: PSK_USER } : {}) };
}
