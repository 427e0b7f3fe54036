/**
 * The servers' request schemas, after nova/api/openstack/compute/schemas/
 * servers.py (and server_metadata.py, console_output.py, lock_server.py),
 * one per microversion where Nova has one.
 */
import { type Static, type TProperties, Type } from 'typebox';
import { boolean, description, fqdn, ipAddress, metadata, name } from './parameter-types.ts';

const uuid = Type.String({ format: 'uuid' });
/** parameter_types.positive_integer (range checked by the handler, as Nova converts strings). */
const positiveInteger = Type.Unsafe<number | string>({ type: ['integer', 'string'], pattern: '^[0-9]*$', minLength: 1 });
const tag = Type.String({ minLength: 1, maxLength: 60, pattern: '^[^,/]*$' });
/** parameter_types.hostname (RFC 952/1123 label, 2.90). */
const hostname = Type.String({ minLength: 2, maxLength: 63, pattern: '^[a-zA-Z0-9]+[a-zA-Z0-9-]*[a-zA-Z0-9]+$' });
const diskConfig = Type.String({ enum: ['AUTO', 'MANUAL'] });
const accessIPv4 = Type.String({ format: 'ipv4' });
const accessIPv6 = Type.String({ format: 'ipv6' });
/** parameter_types.personality: base64 contents. */
const personality = Type.Array(Type.Object({ path: Type.String(), contents: Type.String({ format: 'base64' }) }, { additionalProperties: false }));
/** parameter_types.trusted_certs (2.63). */
const trustedCerts = Type.Unsafe<string[] | null>({ type: ['array', 'null'], minItems: 1, maxItems: 50, uniqueItems: true, items: { type: 'string', minLength: 1 } });

/** One requested network: a network uuid (any string before 2.37) or a port, and a fixed IP; `tag` where the microversion has it. */
function networkItem(uuidFormat: boolean, withTag: boolean) {
  return Type.Object(
    {
      fixed_ip: Type.Optional(ipAddress),
      port: Type.Optional(Type.Unsafe<string | null>({ oneOf: [{ type: 'string', format: 'uuid' }, { type: 'null' }] })),
      uuid: Type.Optional(uuidFormat ? uuid : Type.String()),
      ...(withTag ? { tag: Type.Optional(tag) } : {}),
    },
    { additionalProperties: false },
  );
}
/** networks before 2.37: a list. */
const networksList = (withTag: boolean) => Type.Array(networkItem(false, withTag));
/** From 2.37: a list of uuid-checked networks, or "none"/"auto". */
const networksV237 = (withTag: boolean) => {
  const items = networkItem(true, withTag);
  return Type.Unsafe<Static<typeof items>[] | 'none' | 'auto'>({
    oneOf: [
      { type: 'array', items },
      { type: 'string', enum: ['none', 'auto'] },
    ],
  });
};

const bdm = Type.Array(Type.Object({}, { additionalProperties: true }));

const serverV21 = {
  name,
  // Any image reference here; Nova's schema wants a uuid (or "" to boot from a volume): see the README.
  imageRef: Type.Optional(Type.String({ maxLength: 255 })),
  flavorRef: Type.Unsafe<string | number>({ type: ['string', 'integer'], minLength: 1 }),
  adminPass: Type.Optional(Type.String()),
  metadata: Type.Optional(metadata),
  networks: Type.Optional(networksList(false)),
  'OS-DCF:diskConfig': Type.Optional(diskConfig),
  accessIPv4: Type.Optional(accessIPv4),
  accessIPv6: Type.Optional(accessIPv6),
  personality: Type.Optional(personality),
  availability_zone: Type.Optional(name),
  block_device_mapping: Type.Optional(bdm),
  block_device_mapping_v2: Type.Optional(bdm),
  config_drive: Type.Optional(boolean),
  key_name: Type.Optional(name),
  min_count: Type.Optional(positiveInteger),
  max_count: Type.Optional(positiveInteger),
  return_reservation_id: Type.Optional(boolean),
  security_groups: Type.Optional(Type.Array(Type.Object({ name: Type.Optional(name) }, { additionalProperties: false }))),
  user_data: Type.Optional(Type.String({ format: 'base64', maxLength: 65535 })),
};

const hints = Type.Object(
  {
    same_host: Type.Optional(Type.Union([uuid, Type.Array(uuid)])),
    different_host: Type.Optional(Type.Union([uuid, Type.Array(uuid)])),
    /** Checked by the handler, with Nova's message for a value that is not a uuid. */
    group: Type.Optional(Type.Unknown()),
    build_near_host_ip: Type.Optional(ipAddress),
    cidr: Type.Optional(Type.String({ pattern: '^/[0-9a-f.:]+$' })),
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
    { additionalProperties: false, required: ['server'] },
  );
}

const v219 = { ...serverV21, description: Type.Optional(description) };
const { personality: _p, ...v219NoPersonality } = v219;
const v252 = { tags: Type.Optional(Type.Array(tag, { maxItems: 50 })) };
const v263 = { ...v219NoPersonality, ...v252, networks: Type.Optional(networksV237(true)), trusted_image_certificates: Type.Optional(trustedCerts) };
const v274 = { ...v263, host: Type.Optional(fqdn), hypervisor_hostname: Type.Optional(fqdn) };

/** POST /servers, 2.1 – 2.18. */
export const create = createSchema(serverV21);
/** 2.19: description. */
export const createV219 = createSchema(v219);
/** 2.32 only: tags on networks (lost again until 2.42, as in Nova). */
export const createV232 = createSchema({ ...v219, networks: Type.Optional(networksList(true)) });
/** 2.33 – 2.36: networks tagged still, as Nova's create_v233. */
export const createV233 = createV232;
/** 2.37: networks is required: "auto", "none" or a list of uuid-checked networks. */
export const createV237 = createSchema({ ...v219, networks: Type.Optional(networksV237(false)) }, ['networks']);
/** 2.42: network tags again. */
export const createV242 = createSchema({ ...v219, networks: Type.Optional(networksV237(true)) }, ['networks']);
/** 2.52: server tags. */
export const createV252 = createSchema({ ...v219, ...v252, networks: Type.Optional(networksV237(true)) }, ['networks']);
/** 2.57: no personality. */
export const createV257 = createSchema({ ...v219NoPersonality, ...v252, networks: Type.Optional(networksV237(true)) }, ['networks']);
/** 2.63: trusted_image_certificates. */
export const createV263 = createSchema(v263, ['networks']);
/** 2.74: host, hypervisor_hostname. */
export const createV274 = createSchema(v274, ['networks']);
/** 2.90: hostname. */
export const createV290 = createSchema({ ...v274, hostname: Type.Optional(hostname) }, ['networks']);

/** Every field a create body may have at some microversion (the handler checks which apply). */
type Server = Static<typeof createV290>['server'];
export type CreateBody = Omit<Static<typeof createV290>, 'server'> & {
  server: Omit<Server, 'networks'> & { networks?: Server['networks'] | Static<typeof create>['server']['networks']; personality?: Static<typeof personality> };
};

const updateServer = {
  name: Type.Optional(name),
  'OS-DCF:diskConfig': Type.Optional(diskConfig),
  accessIPv4: Type.Optional(accessIPv4),
  accessIPv6: Type.Optional(accessIPv6),
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
  { additionalProperties: false, required: ['reboot'] },
);
export const lockV273 = Type.Object(
  { lock: Type.Union([Type.Null(), Type.Object({ locked_reason: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })) }, { additionalProperties: false })]) },
  { additionalProperties: false, required: ['lock'] },
);
/** os-getConsoleOutput: length an integer (or digits) of at least -1, or null (unlimited). */
export const consoleOutput = Type.Object(
  {
    'os-getConsoleOutput': Type.Object(
      { length: Type.Optional(Type.Unsafe<number | string | null>({ type: ['integer', 'string', 'null'], pattern: '^-?[0-9]+$', minimum: -1 })) },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false, required: ['os-getConsoleOutput'] },
);

/** Metadata bodies (server_metadata.py). */
export const metadataAll = Type.Object({ metadata }, { additionalProperties: false, required: ['metadata'] });
export const metadataItem = Type.Object(
  {
    meta: Type.Record(Type.String({ pattern: '^[a-zA-Z0-9-_:. ]{1,255}$' }), Type.String({ maxLength: 255 }), {
      additionalProperties: false,
      minProperties: 1,
      maxProperties: 1,
    }),
  },
  { additionalProperties: false, required: ['meta'] },
);
