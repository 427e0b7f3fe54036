import { type Static, type TProperties, Type } from 'typebox';

/** Nova's server name rule: printable, no leading or trailing whitespace. */
const name = Type.String({ minLength: 1, maxLength: 255, pattern: '^(?![\\s])[\\S\\s]*(?<![\\s])$' });
const description = Type.Union([Type.String({ maxLength: 255 }), Type.Null()]);
const metadata = Type.Record(Type.String({ minLength: 1, maxLength: 255 }), Type.String({ maxLength: 255 }), { additionalProperties: false });
const count = Type.Union([Type.Integer({ minimum: 1 }), Type.String({ pattern: '^[0-9]*$', minLength: 1 })]);
const tag = Type.String({ minLength: 1, maxLength: 60, pattern: '^[^,/]*$' });
/** parameter_types.hostname (RFC 952/1123 label, 2.90). */
const hostname = Type.String({ minLength: 2, maxLength: 63, pattern: '^[a-zA-Z0-9]+[a-zA-Z0-9-]*[a-zA-Z0-9]+$' });

const serverV21 = {
  name,
  imageRef: Type.Optional(Type.String({ maxLength: 255 })),
  flavorRef: Type.Union([Type.String({ minLength: 1, maxLength: 255 }), Type.Integer({ minimum: 1 })]),
  adminPass: Type.Optional(Type.String()),
  metadata: Type.Optional(metadata),
  networks: Type.Optional(Type.Union([Type.Array(Type.Object({}, { additionalProperties: true })), Type.String({ enum: ['auto', 'none'] })])),
  'OS-DCF:diskConfig': Type.Optional(Type.String({ enum: ['AUTO', 'MANUAL'] })),
  accessIPv4: Type.Optional(Type.String({ format: 'ipv4' })),
  accessIPv6: Type.Optional(Type.String({ format: 'ipv6' })),
  availability_zone: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
  key_name: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
  min_count: Type.Optional(count),
  max_count: Type.Optional(count),
  return_reservation_id: Type.Optional(Type.Boolean()),
  user_data: Type.Optional(Type.Union([Type.String({ maxLength: 65535 }), Type.Null()])),
  security_groups: Type.Optional(Type.Array(Type.Object({ name: Type.String() }, { additionalProperties: false }))),
  config_drive: Type.Optional(Type.Union([Type.Boolean(), Type.String()])),
  block_device_mapping: Type.Optional(Type.Array(Type.Object({}, { additionalProperties: true }))),
  block_device_mapping_v2: Type.Optional(Type.Array(Type.Object({}, { additionalProperties: true }))),
  personality: Type.Optional(Type.Array(Type.Object({ path: Type.String(), contents: Type.String() }))),
};

const hints = Type.Object(
  {
    same_host: Type.Optional(Type.Union([Type.String({ format: 'uuid' }), Type.Array(Type.String({ format: 'uuid' }))])),
    different_host: Type.Optional(Type.Union([Type.String({ format: 'uuid' }), Type.Array(Type.String({ format: 'uuid' }))])),
    /** Checked by the handler, with Nova's message for a value that is not a uuid. */
    group: Type.Optional(Type.Unknown()),
  },
  { additionalProperties: true },
);

function createSchema<P extends TProperties>(server: P, required: string[] = []) {
  return Type.Object(
    {
      server: Type.Object(server, { additionalProperties: false, required: ['name', 'flavorRef', ...required] }),
      'os:scheduler_hints': Type.Optional(hints),
      'OS-SCH-HNT:scheduler_hints': Type.Optional(hints),
    },
    { additionalProperties: false },
  );
}

/** POST /servers, 2.1 – 2.18. */
export const create = createSchema(serverV21);
/** 2.19: description. */
export const createV219 = createSchema({ ...serverV21, description: Type.Optional(description) });
/** 2.37: networks is required ("auto", "none" or a list). */
export const createV237 = createSchema({ ...serverV21, description: Type.Optional(description) }, ['networks']);
/** 2.52: tags. 2.57: no personality. */
export const createV252 = createSchema({ ...serverV21, description: Type.Optional(description), tags: Type.Optional(Type.Array(tag, { maxItems: 50 })) }, ['networks']);
const { personality: _p, ...serverNoPersonality } = serverV21;
export const createV257 = createSchema({ ...serverNoPersonality, description: Type.Optional(description), tags: Type.Optional(Type.Array(tag, { maxItems: 50 })) }, ['networks']);
/** 2.63: trusted_image_certificates. 2.74: host, hypervisor_hostname. */
export const createV274 = createSchema(
  {
    ...serverNoPersonality,
    description: Type.Optional(description),
    tags: Type.Optional(Type.Array(tag, { maxItems: 50 })),
    trusted_image_certificates: Type.Optional(Type.Union([Type.Array(Type.String()), Type.Null()])),
    host: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    hypervisor_hostname: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
  },
  ['networks'],
);
/** 2.90: hostname. */
export const createV290 = createSchema(
  {
    ...serverNoPersonality,
    description: Type.Optional(description),
    tags: Type.Optional(Type.Array(tag, { maxItems: 50 })),
    trusted_image_certificates: Type.Optional(Type.Union([Type.Array(Type.String()), Type.Null()])),
    host: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    hypervisor_hostname: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    hostname: Type.Optional(hostname),
  },
  ['networks'],
);

/** Every field a create body may have at some microversion (the handler checks which apply). */
export type CreateBody = Omit<Static<typeof createV290>, 'server'> & {
  server: Static<typeof createV290>['server'] & Partial<Pick<Static<typeof create>['server'], 'personality'>>;
};

const updateServer = {
  name: Type.Optional(name),
  accessIPv4: Type.Optional(Type.String({ format: 'ipv4' })),
  accessIPv6: Type.Optional(Type.String({ format: 'ipv6' })),
  'OS-DCF:diskConfig': Type.Optional(Type.String({ enum: ['AUTO', 'MANUAL'] })),
};
const updateSchema = <P extends TProperties>(server: P) =>
  Type.Object({ server: Type.Object(server, { additionalProperties: false }) }, { additionalProperties: false, required: ['server'] });

/** PUT /servers/{id}, 2.1 – 2.18. */
export const update = updateSchema(updateServer);
/** 2.19: description. */
export const updateV219 = updateSchema({ ...updateServer, description: Type.Optional(description) });
/** 2.90: hostname. */
export const updateV290 = updateSchema({ ...updateServer, description: Type.Optional(description), hostname: Type.Optional(hostname) });
/** An update body at any microversion. */
export type UpdateBody = Static<typeof updateV290>;

export const reboot = Type.Object(
  { reboot: Type.Object({ type: Type.String({ enum: ['HARD', 'Hard', 'hard', 'SOFT', 'Soft', 'soft'] }) }, { additionalProperties: false, required: ['type'] }) },
  { additionalProperties: false },
);
export const lockV273 = Type.Object(
  { lock: Type.Union([Type.Null(), Type.Object({ locked_reason: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })) }, { additionalProperties: false })]) },
  { additionalProperties: false },
);
export const consoleOutput = Type.Object(
  {
    'os-getConsoleOutput': Type.Object(
      { length: Type.Optional(Type.Union([Type.Integer({ minimum: -1 }), Type.String({ pattern: '^-?[0-9]+$' }), Type.Null()])) },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

/** Metadata bodies. */
export const metadataAll = Type.Object({ metadata: metadata }, { additionalProperties: false });
export const metadataItem = Type.Object(
  { meta: Type.Record(Type.String({ minLength: 1, maxLength: 255 }), Type.String({ maxLength: 255 }), { minProperties: 1, maxProperties: 1 }) },
  { additionalProperties: false },
);
