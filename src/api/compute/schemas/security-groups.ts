/** os-security-groups, os-security-group-rules and the security group actions' bodies (nova/api/openstack/compute/schemas/security_groups.py). */
import { type Static, Type } from 'typebox';
import type { QuerySpec } from './query.ts';

const text = Type.String({ minLength: 0, maxLength: 255 });

/** POST /os-security-groups and PUT /os-security-groups/{id}: name and description (other keys allowed). */
export const create = Type.Object({ security_group: Type.Object({ name: text, description: text }, { additionalProperties: true }) }, { additionalProperties: true });
export type CreateBody = Static<typeof create>;
export const update = create;

/** POST /os-security-group-rules: parent_group_id (and group_id) uuids; the rest never validated, as Nova. */
export const createRule = Type.Object(
  {
    security_group_rule: Type.Object(
      {
        group_id: Type.Optional(Type.Unsafe<string | null>({ type: ['string', 'null'], format: 'uuid' })),
        parent_group_id: Type.String({ format: 'uuid' }),
        to_port: Type.Optional(Type.Unknown()),
        from_port: Type.Optional(Type.Unknown()),
        ip_protocol: Type.Optional(Type.Unknown()),
        cidr: Type.Optional(Type.Unknown()),
      },
      { additionalProperties: true },
    ),
  },
  { additionalProperties: true },
);

/** GET /os-security-groups: limit, offset and all_tenants (others ignored). */
export const indexQuery: QuerySpec = { limit: { kind: 'nonNegativeInt' }, offset: { kind: 'nonNegativeInt' }, all_tenants: {} };

export const addSecurityGroup = Type.Object(
  { addSecurityGroup: Type.Object({ name: Type.String({ minLength: 1 }) }, { additionalProperties: false }) },
  { additionalProperties: true },
);
export const removeSecurityGroup = Type.Object(
  { removeSecurityGroup: Type.Object({ name: Type.String({ minLength: 1 }) }, { additionalProperties: false }) },
  { additionalProperties: true },
);
