/**
 * Request schemas of os-server-groups (nova/api/openstack/compute/schemas/server_groups.py):
 * `policies` (a one-item list) until 2.63, the soft policies from 2.15,
 * `policy` and `rules` from 2.64; the query parameters of the list.
 */
import { type Static, type TProperties, Type } from 'typebox';
import type { QuerySpec } from './query.ts';

const name = Type.String({ minLength: 1, maxLength: 255 });

/** The policies of a microversion range, as a list of exactly one (before 2.64). */
function policies(allowed: readonly string[]) {
  return Type.Unsafe<[string]>({
    type: 'array',
    items: [{ type: 'string', enum: [...allowed] }],
    uniqueItems: true,
    minItems: 1,
    maxItems: 1,
    additionalItems: false,
  });
}

function createWith<P extends TProperties>(properties: P) {
  return Type.Object({ server_group: Type.Object(properties, { additionalProperties: false }) }, { additionalProperties: false });
}

/** POST /os-server-groups, 2.1 – 2.14. */
export const create = createWith({ name, policies: policies(['anti-affinity', 'affinity']) });

/** 2.15 – 2.63: the soft policies. */
export const createV215 = createWith({ name, policies: policies(['anti-affinity', 'affinity', 'soft-anti-affinity', 'soft-affinity']) });

/** parameter_types.positive_integer: an integer or a string of digits, at least 1 (checked after validation). */
const positiveInteger = Type.Unsafe<number | string>({ type: ['integer', 'string'], pattern: '^[0-9]*$', minLength: 1 });

/** From 2.64: one `policy` and optional `rules` (max_server_per_host only). */
export const createV264 = createWith({
  name,
  policy: Type.Unsafe<string>({ type: 'string', enum: ['anti-affinity', 'affinity', 'soft-anti-affinity', 'soft-affinity'] }),
  rules: Type.Optional(Type.Object({ max_server_per_host: Type.Optional(positiveInteger) }, { additionalProperties: false })),
});

/** The server_group of a create body: `policies` before 2.64, `policy` and `rules` from 2.64. */
export type CreateGroup = Static<typeof createV215>['server_group'] | Static<typeof createV264>['server_group'];

/** GET /os-server-groups query (unknown parameters are a 400 from 2.75). */
export const indexQuery: QuerySpec = { all_projects: {}, limit: { kind: 'nonNegativeInt' }, offset: { kind: 'nonNegativeInt' } };
