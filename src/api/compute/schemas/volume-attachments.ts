/** os-volume_attachments bodies and queries (nova/api/openstack/compute/schemas/volume_attachments.py). */
import { type Static, Type } from 'typebox';
import { boolean } from './parameter-types.ts';
import type { QuerySpec } from './query.ts';

const volumeId = Type.String({ format: 'uuid' });
/** match_device's pattern (nova/block_device.py). */
const device = Type.Unsafe<string | null>({ type: ['string', 'null'], pattern: '(^/dev/x{0,1}[a-z]{0,1}d{0,1})([a-z]+)[0-9]*$' });
const tag = Type.String({ minLength: 1, maxLength: 60, pattern: '^[^,/]*$' });

const body = <P extends Record<string, ReturnType<typeof Type.Optional> | typeof volumeId>>(props: P) =>
  Type.Object({ volumeAttachment: Type.Object(props, { additionalProperties: false }) }, { additionalProperties: false });

export const create = body({ volumeId, device: Type.Optional(device) });
/** 2.49: a device tag. */
export const createV249 = body({ volumeId, device: Type.Optional(device), tag: Type.Optional(tag) });
/** 2.79: delete_on_termination. */
export const createV279 = body({ volumeId, device: Type.Optional(device), tag: Type.Optional(tag), delete_on_termination: Type.Optional(boolean) });
export type CreateBody = Static<typeof createV279>;

/** PUT before 2.85: the new volume of a swap. */
export const update = body({ volumeId });
/** 2.85: the attachment's fields (only delete_on_termination may change; volumeId different: a swap). */
export const updateV285 = body({
  volumeId,
  device: Type.Optional(device),
  tag: Type.Optional(tag),
  delete_on_termination: Type.Optional(boolean),
  serverId: Type.Optional(Type.String({ format: 'uuid' })),
  id: Type.Optional(Type.String({ format: 'uuid' })),
});
export type UpdateBody = Static<typeof updateV285>;

export const indexQuery: QuerySpec = { limit: { kind: 'nonNegativeInt' }, offset: { kind: 'nonNegativeInt' } };
