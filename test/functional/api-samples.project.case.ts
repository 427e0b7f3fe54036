/**
 * The sample cases of a project's quotas, limits and usage, of migrations
 * and of console output, made as Nova's sample tests make them.
 */
import { randomUUID } from 'node:crypto';
import { atLeast, body, type SampleCase, type SampleEnv } from './api-samples.case.ts';
import { serverAt } from './api-samples.servers.case.ts';

const admin = (env: SampleEnv, v: string) => env.admin.at(v);

// --- quota sets and limits -------------------------------------------------

const quotaCases: SampleCase[] = [
  { resource: 'os-quota-sets', file: 'quotas-show-get-resp.json', run: (env, v) => body(admin(env, v).get('/os-quota-sets/fake_tenant')) },
  { resource: 'os-quota-sets', file: 'quotas-show-defaults-get-resp.json', run: (env, v) => body(admin(env, v).get('/os-quota-sets/fake_tenant/defaults')) },
  { resource: 'os-quota-sets', file: 'quotas-show-detail-get-resp.json', run: (env, v) => body(admin(env, v).get('/os-quota-sets/fake_tenant/detail')) },
  {
    resource: 'os-quota-sets',
    file: 'quotas-update-post-resp.json',
    run: (env, v) => body(admin(env, v).put('/os-quota-sets/fake_tenant', { quota_set: atLeast(v, '2.36') ? { instances: 45 } : { cores: 45 } })),
  },
  {
    resource: 'os-quota-sets',
    file: 'quotas-update-force-post-resp.json',
    run: (env, v) => body(admin(env, v).put('/os-quota-sets/fake_tenant', { quota_set: { force: 'True', instances: 45 } })),
  },
  { resource: 'os-quota-sets', file: 'user-quotas-show-get-resp.json', run: (env, v) => body(admin(env, v).get('/os-quota-sets/fake_tenant?user_id=1')) },
  {
    resource: 'os-quota-sets',
    file: 'user-quotas-update-post-resp.json',
    run: (env, v) => body(admin(env, v).put('/os-quota-sets/fake_tenant?user_id=1', { quota_set: atLeast(v, '2.57') ? { instances: 9 } : { force: 'True', instances: 9 } })),
  },
  { resource: 'limits', file: 'limit-get-resp.json', run: (env, v) => body(admin(env, v).get('/limits')) },
];

// --- simple tenant usage ---------------------------------------------------

/** The usage period around now: Nova's test boots servers an hour before "now". */
function period(): string {
  const end = new Date(Date.now() + 3600_000);
  const start = new Date(Date.now() - 3600_000);
  return `start=${encodeURIComponent(start.toISOString().replace('Z', ''))}&end=${encodeURIComponent(end.toISOString().replace('Z', ''))}`;
}
/** From 2.40 Nova's test pages with limit=1 and a marker: the first server of the unpaged list (instances are ordered by project and uuid). */
async function paging(env: SampleEnv, v: string, path: string): Promise<string> {
  if (!atLeast(v, '2.40')) return '';
  await serverAt(env, '2.1');
  await serverAt(env, '2.3');
  const all = (await body(admin(env, v).get(`${path}?${period()}&detailed=1`))) as {
    tenant_usages?: { server_usages: { instance_id: string }[] }[];
    tenant_usage?: { server_usages: { instance_id: string }[] };
  };
  const first = (all.tenant_usage ?? all.tenant_usages?.[0])?.server_usages[0]?.instance_id;
  if (!first) throw new Error(`no server usage in ${JSON.stringify(all)}`);
  return `&limit=1&marker=${first}`;
}

const usageCases: SampleCase[] = [
  {
    resource: 'os-simple-tenant-usage',
    file: 'simple-tenant-usage-get.json',
    run: async (env, v) => body(admin(env, v).get(`/os-simple-tenant-usage?${period()}${await paging(env, v, '/os-simple-tenant-usage')}`)),
  },
  {
    resource: 'os-simple-tenant-usage',
    file: 'simple-tenant-usage-get-detail.json',
    run: async (env, v) => body(admin(env, v).get(`/os-simple-tenant-usage?${period()}&detailed=1${await paging(env, v, '/os-simple-tenant-usage')}`)),
  },
  {
    resource: 'os-simple-tenant-usage',
    file: 'simple-tenant-usage-get-specific.json',
    run: async (env, v) => body(admin(env, v).get(`/os-simple-tenant-usage/admin?${period()}${await paging(env, v, '/os-simple-tenant-usage/admin')}`)),
  },
  {
    resource: 'os-simple-tenant-usage',
    file: 'simple-tenant-usage-get-all.json',
    run: async (env, v) => {
      await serverAt(env, '2.90'); // a server of another project
      return body(admin(env, v).get(`/os-simple-tenant-usage?${period()}&detailed=1`));
    },
  },
];

// --- migrations ------------------------------------------------------------

/** The four migrations of Nova's sample test (test_migrations.py, 2.59 and 2.80): an in-progress and a failed live migration, a failed and an in-progress resize. */
const USER1 = '5c48ebaa-193f-4c5d-948a-f559cc92cd5e';
const PROJECT1 = 'ef92ccff-00f3-46e4-b015-811110e36ee4';
const USER2 = '78348f0e-97ee-4d70-ad34-189692673ea2';
const PROJECT2 = '9842f0f7-1229-4355-afe7-15ebdbb8c3d8';
const NOVA_MIGRATIONS = [
  ['12341d4b-346a-40d0-83c6-5f4f6892b650', 'running', 'live-migration', '2016-01-29 11:42:02.000000', 1],
  ['22341d4b-346a-40d0-83c6-5f4f6892b650', 'error', 'live-migration', '2016-01-29 12:42:02.000000', 1],
  ['32341d4b-346a-40d0-83c6-5f4f6892b650', 'error', 'resize', '2016-06-23 13:42:02.000000', 2],
  ['42341d4b-346a-40d0-83c6-5f4f6892b650', 'migrating', 'resize', '2016-06-23 14:42:02.000000', 2],
] as const;
let migrations: Promise<void> | undefined;
function seedMigrations(env: SampleEnv): Promise<void> {
  migrations ??= (async () => {
    const instances = [randomUUID(), randomUUID()];
    for (const [uuid, status, type, at, n] of NOVA_MIGRATIONS) {
      const live = n === 1;
      await env.cloud.db.db.kysely
        .insertInto('migrations')
        .values({
          uuid,
          source_compute: live ? 'compute1' : 'compute10',
          dest_compute: live ? 'compute2' : 'compute20',
          source_node: live ? 'node1' : 'node10',
          dest_node: live ? 'node2' : 'node20',
          dest_host: live ? '1.2.3.4' : '5.6.7.8',
          old_instance_type_id: live ? 1 : 5,
          new_instance_type_id: live ? 1 : 6,
          instance_uuid: instances[n - 1] ?? '',
          status,
          migration_type: type,
          hidden: 0,
          user_id: live ? USER1 : USER2,
          project_id: live ? PROJECT1 : PROJECT2,
          created_at: at,
          updated_at: at,
          deleted: 0,
        })
        .execute();
    }
  })();
  return migrations;
}
const migrationList = (query: string) => async (env: SampleEnv, v: string) => {
  await seedMigrations(env);
  return body(admin(env, v).get(`/os-migrations${query}`));
};

const migrationCases: SampleCase[] = [
  { resource: 'os-migrations', file: 'migrations-get.json', run: migrationList('') },
  { resource: 'os-migrations', file: 'migrations-get-with-limit.json', run: migrationList('?limit=1') },
  { resource: 'os-migrations', file: 'migrations-get-with-marker.json', run: migrationList('?marker=22341d4b-346a-40d0-83c6-5f4f6892b650') },
  { resource: 'os-migrations', file: 'migrations-get-with-changes-since.json', run: migrationList('?changes-since=2016-06-23T13:42:01.000000') },
  {
    resource: 'os-migrations',
    file: 'migrations-get-with-changes-before.json',
    run: migrationList('?changes-before=2016-01-29T11:42:02.000000'),
  },
  { resource: 'os-migrations', file: 'migrations-get-with-user-or-project-id.json', run: migrationList(`?user_id=${USER1}&project_id=${PROJECT1}`) },
];

// --- console output --------------------------------------------------------

const consoleCases: SampleCase[] = [
  {
    resource: 'os-console-output',
    file: 'console-output-post-resp.json',
    run: async (env, v) => body(admin(env, v).post(`/servers/${(await serverAt(env, '2.1')).id}/action`, { 'os-getConsoleOutput': { length: 50 } })),
  },
];

export const projectCases: SampleCase[] = [...quotaCases, ...usageCases, ...migrationCases, ...consoleCases];
