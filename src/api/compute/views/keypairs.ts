/** Key pair bodies as Nova's views/keypairs.py renders them, by microversion. */
import type { KeyPairDTO } from '../../../objects/keypair.ts';
import { isoMicro } from './common.ts';

/** POST /os-keypairs: [private_key (generated keys)], [type (2.2+)], name, public_key, fingerprint, user_id. */
export function keypairCreated(k: KeyPairDTO, privateKey: string | null, withType: boolean): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (privateKey !== null) body.private_key = privateKey;
  if (withType) body.type = k.type;
  Object.assign(body, { name: k.name, public_key: k.public_key, fingerprint: k.fingerprint, user_id: k.user_id });
  return { keypair: body };
}

/** GET /os-keypairs item: name, public_key, fingerprint (+ type from 2.2). */
export function keypairIndexItem(k: KeyPairDTO, withType: boolean): Record<string, unknown> {
  const body: Record<string, unknown> = { name: k.name, public_key: k.public_key, fingerprint: k.fingerprint };
  if (withType) body.type = k.type;
  return { keypair: body };
}

/** GET /os-keypairs/{name}: the index fields plus user_id, created_at, deleted, deleted_at, id, updated_at. */
export function keypairShow(k: KeyPairDTO, withType: boolean): Record<string, unknown> {
  const body: Record<string, unknown> = {
    name: k.name,
    public_key: k.public_key,
    fingerprint: k.fingerprint,
    user_id: k.user_id,
    created_at: isoMicro(k.created_at),
    deleted: k.deleted,
    deleted_at: isoMicro(k.deleted_at),
    id: k.id,
    updated_at: isoMicro(k.updated_at),
  };
  if (withType) body.type = k.type;
  return { keypair: body };
}
