/** Query schemas of os-migrations (nova/api/openstack/compute/schemas/migrations.py). */
import type { QuerySpec } from './query.ts';

/** GET /os-migrations before 2.59: the filters; unknown parameters ignored. */
export const listQueryV20: QuerySpec = {
  hidden: {},
  host: {},
  instance_uuid: {},
  source_compute: {},
  status: {},
  migration_type: {},
};

/** 2.59: limit, marker, changes-since; unknown parameters are a 400. */
export const listQueryV259: QuerySpec = {
  ...listQueryV20,
  limit: { single: true, kind: 'nonNegativeInt' },
  marker: { single: true },
  'changes-since': { single: true },
};

/** 2.66: changes-before. */
export const listQueryV266: QuerySpec = { ...listQueryV259, 'changes-before': { single: true } };

/** 2.80: user_id and project_id. */
export const listQueryV280: QuerySpec = { ...listQueryV266, user_id: { single: true }, project_id: { single: true } };
