/** Request schemas of os-services (nova/api/openstack/compute/schemas/services.py). */
import { type Static, Type } from 'typebox';
import { boolean } from './parameter-types.ts';
import type { QuerySpec } from './query.ts';

/** parameter_types.fqdn: a host name (underscores allowed). */
const fqdn = Type.String({ minLength: 1, maxLength: 255, pattern: '^[a-zA-Z0-9-._]*$' });
const binary = Type.String({ minLength: 1, maxLength: 255 });
const disabledReason = Type.String({ minLength: 1, maxLength: 255 });

/** PUT /os-services/{enable,disable,disable-log-reason}, 2.1–2.10. */
export const serviceUpdate = Type.Object({ host: fqdn, binary, disabled_reason: Type.Optional(disabledReason) }, { additionalProperties: false });

/** PUT /os-services/{action}, 2.11–2.52: adds force-down's forced_down. */
export const serviceUpdateV211 = Type.Object(
  { host: fqdn, binary, disabled_reason: Type.Optional(disabledReason), forced_down: Type.Optional(boolean) },
  { additionalProperties: false },
);

/** A pre-2.53 update body at any microversion (forced_down from 2.11). */
export type LegacyUpdateBody = Static<typeof serviceUpdateV211>;

/** PUT /os-services/{service_id} from 2.53: nothing required (checked in code). */
export const serviceUpdateV253 = Type.Object(
  {
    status: Type.Optional(Type.Unsafe<'enabled' | 'disabled'>({ type: 'string', enum: ['enabled', 'disabled'] })),
    disabled_reason: Type.Optional(disabledReason),
    forced_down: Type.Optional(boolean),
  },
  { additionalProperties: false },
);

/** GET /os-services (unknown parameters are a 400 from 2.75). */
export const indexQuery: QuerySpec = { host: {}, binary: {} };
