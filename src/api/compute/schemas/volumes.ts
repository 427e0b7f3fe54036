/** os-volumes and os-snapshots bodies and queries (nova/api/openstack/compute/schemas/volumes.py, snapshots.py). */
import { type Static, Type } from 'typebox';
import { boolean } from './parameter-types.ts';
import type { QuerySpec } from './query.ts';

export const createVolume = Type.Object(
  {
    volume: Type.Object(
      {
        volume_type: Type.Optional(Type.String()),
        metadata: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
        snapshot_id: Type.Optional(Type.String()),
        size: Type.Unsafe<number | string>({ type: ['integer', 'string'], pattern: '^[0-9]+$', minimum: 1 }),
        availability_zone: Type.Optional(Type.String()),
        display_name: Type.Optional(Type.String()),
        display_description: Type.Optional(Type.String()),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type CreateVolumeBody = Static<typeof createVolume>;

export const createSnapshot = Type.Object(
  {
    snapshot: Type.Object(
      {
        volume_id: Type.String(),
        force: Type.Optional(boolean),
        display_name: Type.Optional(Type.String()),
        display_description: Type.Optional(Type.String()),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type CreateSnapshotBody = Static<typeof createSnapshot>;

/** limit and offset (common.limited); other parameters are ignored, as Nova's additionalProperties: true. */
export const indexQuery: QuerySpec = { limit: { kind: 'nonNegativeInt' }, offset: { kind: 'nonNegativeInt' } };
