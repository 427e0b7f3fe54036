/** Query schema of /limits (nova/api/openstack/compute/schemas/limits.py). */
import type { QuerySpec } from './query.ts';

/** ?tenant_id= (admins: another project's limits); unknown parameters are a 400 from 2.75. */
export const limitsQuery: QuerySpec = { tenant_id: {} };
