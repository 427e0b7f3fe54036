/**
 * The image JSON schema Glance serves at /v2/schemas/image (and validates
 * requests with): glance.api.v2.images.get_base_properties(), the custom
 * properties of Glance's stock etc/schema-image.json (marked `is_base:
 * false`), `additionalProperties: {"type": "string"}` (a PermissiveSchema)
 * and the links. python-glanceclient builds its image model from it.
 *
 * One deliberate difference: Glance's read-only `stores` property (only
 * filled with multiple stores) is left out. python-glanceclient 4.x turns
 * every schema property into a command-line option and already has its own
 * `--stores` (image-create-via-import): with `stores` in the cached schema
 * the `glance` command fails at start with "argument --stores: conflicting
 * option string".
 */
import { CONTAINER_FORMATS, DISK_FORMATS, IMAGE_STATUSES, VISIBILITIES } from '../types.ts';

/** A JSON schema document. */
export type JsonSchema = Record<string, unknown>;

const UUID_PATTERN = '^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$';

function baseProperties(): Record<string, JsonSchema> {
  const ro = (type: unknown, description: string, extra: JsonSchema = {}) => ({ type, readOnly: true, description, ...extra });
  return {
    id: { type: 'string', description: 'An identifier for the image', pattern: UUID_PATTERN },
    name: { type: ['null', 'string'], description: 'Descriptive name for the image', maxLength: 255 },
    status: ro('string', 'Status of the image', { enum: [...IMAGE_STATUSES] }),
    visibility: { type: 'string', description: 'Scope of image accessibility', enum: [...VISIBILITIES] },
    protected: { type: 'boolean', description: 'If true, image will not be deletable.' },
    os_hidden: { type: 'boolean', description: 'If true, image will not appear in default image list response.' },
    checksum: ro(['null', 'string'], 'md5 hash of image contents.', { maxLength: 32 }),
    os_hash_algo: ro(['null', 'string'], 'Algorithm to calculate the os_hash_value', { maxLength: 64 }),
    os_hash_value: ro(['null', 'string'], 'Hexdigest of the image contents using the algorithm specified by the os_hash_algo', { maxLength: 128 }),
    owner: { type: ['null', 'string'], description: 'Owner of the image', maxLength: 255 },
    size: ro(['null', 'integer'], 'Size of image file in bytes'),
    virtual_size: ro(['null', 'integer'], 'Virtual size of image in bytes'),
    container_format: { type: ['null', 'string'], description: 'Format of the container', enum: [null, ...CONTAINER_FORMATS] },
    disk_format: { type: ['null', 'string'], description: 'Format of the disk', enum: [null, ...DISK_FORMATS] },
    created_at: ro('string', 'Date and time of image registration'),
    updated_at: ro('string', 'Date and time of the last image modification'),
    tags: { type: 'array', description: 'List of strings related to the image', items: { type: 'string', maxLength: 255 } },
    direct_url: ro('string', 'URL to access the image file kept in external store'),
    min_ram: { type: 'integer', description: 'Amount of ram (in MB) required to boot image.' },
    min_disk: { type: 'integer', description: 'Amount of disk space (in GB) required to boot image.' },
    self: ro('string', 'An image self url'),
    file: ro('string', 'An image file url'),
    schema: ro('string', 'An image schema url'),
    locations: {
      type: 'array',
      items: {
        type: 'object',
        properties: { url: { type: 'string', maxLength: 255 }, metadata: { type: 'object' } },
        required: ['url', 'metadata'],
      },
      description: 'A set of URLs to access the image file kept in external store',
    },
  };
}

const PROPERTY_KEYS_DOC = 'https://docs.openstack.org/python-glanceclient/latest/cli/property-keys.html';

/** Glance's stock etc/schema-image.json. */
function customProperties(): Record<string, JsonSchema> {
  const props: Record<string, JsonSchema> = {
    kernel_id: {
      type: ['null', 'string'],
      pattern: UUID_PATTERN,
      description: 'ID of image stored in Glance that should be used as the kernel when booting an AMI-style image.',
    },
    ramdisk_id: {
      type: ['null', 'string'],
      pattern: UUID_PATTERN,
      description: 'ID of image stored in Glance that should be used as the ramdisk when booting an AMI-style image.',
    },
    instance_uuid: {
      type: 'string',
      description: 'Metadata which can be used to record which instance this image is associated with. (Informational only, does not create an instance snapshot.)',
    },
    architecture: { description: `Operating system architecture as specified in ${PROPERTY_KEYS_DOC}`, type: 'string' },
    os_distro: { description: `Common name of operating system distribution as specified in ${PROPERTY_KEYS_DOC}`, type: 'string' },
    os_version: { description: 'Operating system version as specified by the distributor.', type: 'string' },
    description: { description: 'A human-readable string describing this image.', type: 'string' },
    cinder_encryption_key_id: {
      description: 'Identifier in the OpenStack Key Management Service for the encryption key for the Block Storage Service to use when mounting a volume created from this image',
      type: 'string',
    },
    cinder_encryption_key_deletion_policy: {
      description:
        "States the condition under which the Image Service will delete the object associated with the 'cinder_encryption_key_id' image property.  If this property is missing, the Image Service will take no action",
      type: 'string',
      enum: ['on_image_deletion', 'do_not_delete'],
    },
  };
  for (const p of Object.values(props)) p.is_base = false;
  return props;
}

/** Names of the base (non-custom) image attributes. */
export const BASE_PROPERTY_NAMES: ReadonlySet<string> = new Set(Object.keys(baseProperties()));

/** GET /v2/schemas/image */
export function imageSchema(): JsonSchema {
  return {
    name: 'image',
    properties: { ...baseProperties(), ...customProperties() },
    additionalProperties: { type: 'string' },
    links: [
      { rel: 'self', href: '{self}' },
      { rel: 'enclosure', href: '{file}' },
      { rel: 'describedby', href: '{schema}' },
    ],
  };
}

/** GET /v2/schemas/images */
export function imagesSchema(): JsonSchema {
  return {
    name: 'images',
    properties: {
      images: { type: 'array', items: imageSchema() },
      first: { type: 'string' },
      next: { type: 'string' },
      schema: { type: 'string' },
    },
    links: [
      { rel: 'first', href: '{first}' },
      { rel: 'next', href: '{next}' },
      { rel: 'describedby', href: '{schema}' },
    ],
  };
}
