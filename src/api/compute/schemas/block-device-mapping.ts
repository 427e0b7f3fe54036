/**
 * block_device_mapping and block_device_mapping_v2 items of a server create
 * (nova/api/openstack/compute/schemas/servers.py: _legacy_block_device_mapping,
 * _block_device_mapping_v2_new_item; tag at 2.32 and from 2.42, volume_type
 * from 2.67), checked after the body's schema.
 */
import { type Static, Type } from 'typebox';
import { atLeast, type Microversion } from '../../microversion.ts';
import { boolean } from './parameter-types.ts';

const uuid = Type.String({ format: 'uuid' });
const volumeSize = Type.Unsafe<number | string>({ type: ['integer', 'string'], pattern: '^[0-9]+$', minimum: 1, maximum: 0x7fffffff });
const tag = Type.String({ minLength: 1, maxLength: 60, pattern: '^[^,/]*$' });

const legacy = {
  virtual_name: Type.Optional(Type.String({ maxLength: 255 })),
  volume_id: Type.Optional(uuid),
  snapshot_id: Type.Optional(uuid),
  volume_size: Type.Optional(volumeSize),
  device_name: Type.Optional(Type.String({ minLength: 1, maxLength: 255, pattern: '^[a-zA-Z0-9._/-]*$' })),
  delete_on_termination: Type.Optional(boolean),
  no_device: Type.Optional(Type.Unknown()),
  connection_info: Type.Optional(Type.String({ maxLength: 16777215 })),
};

const v2 = {
  ...legacy,
  source_type: Type.Optional(Type.Union([Type.Literal('volume'), Type.Literal('image'), Type.Literal('snapshot'), Type.Literal('blank')])),
  uuid: Type.Optional(Type.String({ minLength: 1, maxLength: 255, pattern: '^[a-zA-Z0-9._-]*$' })),
  image_id: Type.Optional(uuid),
  destination_type: Type.Optional(Type.Union([Type.Literal('local'), Type.Literal('volume')])),
  guest_format: Type.Optional(Type.String({ maxLength: 255 })),
  device_type: Type.Optional(Type.String({ maxLength: 255 })),
  disk_bus: Type.Optional(Type.String({ maxLength: 255 })),
  boot_index: Type.Optional(Type.Unsafe<number | string | null>({ type: ['integer', 'string', 'null'], pattern: '^-?[0-9]+$' })),
};

const volumeType = Type.Unsafe<string | null>({ type: ['string', 'null'], minLength: 0, maxLength: 255 });
const item = (withTag: boolean, withVolumeType: boolean) =>
  Type.Object(
    {
      ...v2,
      ...(withTag ? { tag: Type.Optional(tag) } : {}),
      ...(withVolumeType ? { volume_type: Type.Optional(volumeType) } : {}),
    },
    { additionalProperties: false },
  );

const full = Type.Object({ ...v2, tag: Type.Optional(tag), volume_type: Type.Optional(volumeType) }, { additionalProperties: false });
/** One block_device_mapping_v2 item, with every field of any microversion. */
export type BdmV2Item = Static<typeof full>;

const wrapper = (bdmItem: ReturnType<typeof item>) =>
  Type.Object(
    {
      server: Type.Object(
        {
          block_device_mapping: Type.Optional(Type.Array(Type.Object(legacy, { additionalProperties: false }))),
          block_device_mapping_v2: Type.Optional(Type.Array(bdmItem)),
        },
        { additionalProperties: true },
      ),
    },
    { additionalProperties: true },
  );
interface Wrapper {
  server: { block_device_mapping_v2?: BdmV2Item[] };
}

/** The server's BDM fields at version `v` (the rest of the body is the create schema's); typed with every field of any version. */
export function bdmSchemaFor(v: Microversion) {
  const withTag = atLeast(v, '2.42') || (atLeast(v, '2.32') && !atLeast(v, '2.33'));
  const withVolumeType = atLeast(v, '2.67');
  // One schema object per variant: the validator is compiled once per schema object (compiling it took ~12 ms a boot).
  const key = `${withTag}/${withVolumeType}`;
  let s = bdmSchemas.get(key);
  if (!s) {
    s = Type.Unsafe<Wrapper>(wrapper(item(withTag, withVolumeType)));
    bdmSchemas.set(key, s);
  }
  return s;
}
const bdmSchemas = new Map<string, ReturnType<typeof Type.Unsafe<Wrapper>>>();
