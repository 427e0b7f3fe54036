/** Query schemas of os-hypervisors (nova/api/openstack/compute/schemas/hypervisors.py). */
import { PAGINATION, type QuerySpec } from './query.ts';

/** GET /os-hypervisors[/detail], 2.33–2.52: limit and marker (unknown parameters ignored). */
export const listQueryV233: QuerySpec = PAGINATION;

/** GET /os-hypervisors[/detail] from 2.53: single-valued; unknown parameters are a 400. */
export const listQueryV253: QuerySpec = {
  limit: { single: true, kind: 'nonNegativeInt' },
  marker: { single: true },
  hypervisor_hostname_pattern: { single: true, kind: 'fqdn' },
  with_servers: { single: true, kind: 'boolean' },
};

/** GET /os-hypervisors/{id} from 2.53. */
export const showQueryV253: QuerySpec = { with_servers: { single: true, kind: 'boolean' } };
