/** os-interface bodies (nova/api/openstack/compute/schemas/attach_interfaces.py). */
import { type Static, Type } from 'typebox';
import { ipAddress } from './parameter-types.ts';

const uuid = Type.String({ format: 'uuid' });
const tag = Type.String({ minLength: 1, maxLength: 60, pattern: '^[^,/]*$' });

const fields = {
  net_id: Type.Optional(uuid),
  port_id: Type.Optional(uuid),
  fixed_ips: Type.Optional(Type.Array(Type.Object({ ip_address: ipAddress }, { additionalProperties: false }), { minItems: 1, maxItems: 1 })),
};

/** The body is optional (no body: the project's only network). */
export const create = Type.Object({ interfaceAttachment: Type.Optional(Type.Object(fields, { additionalProperties: false })) }, { additionalProperties: false });
/** 2.49: a device tag. */
export const createV249 = Type.Object(
  { interfaceAttachment: Type.Optional(Type.Object({ ...fields, tag: Type.Optional(tag) }, { additionalProperties: false })) },
  { additionalProperties: false },
);

export type CreateBody = Static<typeof createV249>;
