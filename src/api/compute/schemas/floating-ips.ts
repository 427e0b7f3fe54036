/** os-floating-ips and the floating IP actions' bodies (nova/api/openstack/compute/schemas/floating_ips.py). */
import { type Static, Type } from 'typebox';
import { ipAddress } from './parameter-types.ts';

/** POST /os-floating-ips: an object or null, `pool` a string or null. */
export const create = Type.Unsafe<{ pool?: string | null } | null>({ type: ['object', 'null'], properties: { pool: { type: ['string', 'null'] } } });

export const addFloatingIp = Type.Object(
  { addFloatingIp: Type.Object({ address: ipAddress, fixed_address: Type.Optional(ipAddress) }, { additionalProperties: false }) },
  { additionalProperties: false },
);
export type AddFloatingIpBody = Static<typeof addFloatingIp>;

export const removeFloatingIp = Type.Object({ removeFloatingIp: Type.Object({ address: ipAddress }, { additionalProperties: false }) }, { additionalProperties: false });
