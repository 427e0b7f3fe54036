/** Request schemas of os-hosts (nova/api/openstack/compute/schemas/hosts.py). */
import { Type } from 'typebox';
import type { QuerySpec } from './query.ts';

const enableDisable = Type.String({ enum: ['enable', 'disable', 'Enable', 'Disable', 'ENABLE', 'DISABLE'] });

/**
 * PUT /os-hosts/{host}: status and/or maintenance_mode. Nova's schema puts
 * its anyOf inside `properties`, where it checks nothing: an empty body is
 * valid (and answers just the host).
 */
export const update = Type.Object({ status: Type.Optional(enableDisable), maintenance_mode: Type.Optional(enableDisable) }, { additionalProperties: false });

/** GET /os-hosts: zone (unknown parameters are ignored at every version). */
export const indexQuery: QuerySpec = { zone: {} };
