/**
 * The instance password the guest posts to the metadata service
 * (nova/api/metadata/password.py): kept in the instance's system_metadata
 * as password_0 … password_3, 255 characters each. os-server-password
 * reads and clears the same keys.
 */
import type { InstanceDTO } from '../objects/instance.ts';

/** password.CHUNKS and CHUNK_LENGTH. */
const CHUNKS = 4;
const CHUNK_LENGTH = 255;

/** password.MAX_SIZE: the longest body a guest may post (bytes). */
export const MAX_PASSWORD_SIZE = CHUNKS * CHUNK_LENGTH;

/** extract_password: the password_* system metadata, in key order, joined ('' when there is none). */
export function extractPassword(inst: Pick<InstanceDTO, 'system_metadata'>): string {
  return Object.keys(inst.system_metadata)
    .filter((k) => k.startsWith('password_'))
    .sort()
    .map((k) => inst.system_metadata[k] ?? '')
    .join('');
}

/** convert_password: the password as its system metadata chunks (an empty password clears them). */
export function passwordMetadata(password: string | null): Record<string, string> {
  let rest = password ?? '';
  const meta: Record<string, string> = {};
  for (let i = 0; i < CHUNKS; i++) {
    meta[`password_${i}`] = rest.slice(0, CHUNK_LENGTH);
    rest = rest.slice(CHUNK_LENGTH);
  }
  return meta;
}
