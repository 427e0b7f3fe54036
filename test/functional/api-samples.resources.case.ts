/**
 * The sample cases of the resources besides servers, each made as Nova's
 * sample test makes it (nova/tests/functional/api_sample_tests/test_*.py):
 * the same method, path, query and body, as an admin or a member as there.
 */
import type { ApiClient } from '../support/cloud.ts';
import { atLeast, body, type SampleCase, type SampleEnv } from './api-samples.case.ts';
import { serverAt } from './api-samples.servers.case.ts';
import { KEYS } from './keypairs.fixtures.ts';

let seq = 0;
const unique = (prefix: string) => `${prefix}-${++seq}`;

const admin = (env: SampleEnv, v: string): ApiClient => env.admin.at(v);
const member = (env: SampleEnv, v: string): ApiClient => env.member.at(v);

/** The compute node of env.host: {id (integer), uuid}. */
async function node(env: SampleEnv): Promise<{ id: number; uuid: string }> {
  const n = (await env.cloud.db.computeNodes.list()).find((x) => x.host === env.host);
  if (!n) throw new Error(`no compute node for ${env.host}`);
  return { id: n.id, uuid: n.uuid };
}
const hypervisorId = async (env: SampleEnv, v: string) => {
  const n = await node(env);
  return atLeast(v, '2.53') ? n.uuid : String(n.id);
};

// --- flavors ---------------------------------------------------------------

const flavorCreate = (env: SampleEnv, v: string) => {
  const flavor: Record<string, unknown> = { name: unique('test_flavor'), ram: 1024, vcpus: 2, disk: 10, id: unique('10'), rxtx_factor: 2.0 };
  if (atLeast(v, '2.55')) flavor.description = 'test description';
  return body(admin(env, v).post('/flavors', { flavor }));
};

const flavorCases: SampleCase[] = [
  { resource: 'flavors', file: 'flavor-get-resp.json', run: (env, v) => body(member(env, v).get('/flavors/1')) },
  { resource: 'flavors', file: 'flavors-list-resp.json', run: (env, v) => body(member(env, v).get('/flavors')) },
  { resource: 'flavors', file: 'flavors-detail-resp.json', run: (env, v) => body(member(env, v).get('/flavors/detail')) },
  { resource: 'flavor-manage', file: 'flavor-create-post-resp.json', run: flavorCreate },
  {
    resource: 'flavor-manage',
    file: 'flavor-update-resp.json',
    run: async (env, v) => {
      const created = (await flavorCreate(env, v)) as { flavor: { id: string } };
      return body(admin(env, v).put(`/flavors/${created.flavor.id}`, { flavor: { description: 'updated description' } }));
    },
  },
];

// --- hypervisors -----------------------------------------------------------

/** cpu_info is the driver's: Nova's fake driver reports sockets/cores/threads, libvirt (and ours, after it) adds topology.cells. */
const CPU_INFO = ['cpu_info.topology'];

const hypervisorCases: SampleCase[] = [
  {
    resource: 'os-hypervisors',
    file: 'hypervisors-list-resp.json',
    run: async (env, v) => {
      // 2.33 and 2.53 page past the first node (Nova's test starts a second compute for it).
      if (atLeast(v, '2.33')) return body(admin(env, v).get(`/os-hypervisors?limit=1&marker=${await hypervisorId(env, v)}`));
      return body(admin(env, v).get('/os-hypervisors'));
    },
  },
  {
    resource: 'os-hypervisors',
    file: 'hypervisors-detail-resp.json',
    opaque: CPU_INFO,
    run: async (env, v) => {
      if (atLeast(v, '2.33')) return body(admin(env, v).get(`/os-hypervisors/detail?limit=1&marker=${await hypervisorId(env, v)}`));
      return body(admin(env, v).get('/os-hypervisors/detail'));
    },
  },
  {
    resource: 'os-hypervisors',
    file: 'hypervisors-detail-with-servers-resp.json',
    opaque: CPU_INFO,
    run: async (env, v) => {
      await serverAt(env, '2.1');
      return body(admin(env, v).get(`/os-hypervisors/detail?with_servers=1&hypervisor_hostname_pattern=${env.host}`));
    },
  },
  {
    resource: 'os-hypervisors',
    file: 'hypervisors-search-resp.json',
    run: (env, v) => body(admin(env, v).get(atLeast(v, '2.53') ? `/os-hypervisors?hypervisor_hostname_pattern=${env.host}` : `/os-hypervisors/${env.host}/search`)),
  },
  {
    resource: 'os-hypervisors',
    file: 'hypervisors-with-servers-resp.json',
    run: async (env, v) => {
      await serverAt(env, '2.1');
      return body(admin(env, v).get(atLeast(v, '2.53') ? `/os-hypervisors?with_servers=true&hypervisor_hostname_pattern=${env.host}` : `/os-hypervisors/${env.host}/servers`));
    },
  },
  {
    resource: 'os-hypervisors',
    file: 'hypervisors-without-servers-resp.json',
    // host3: a compute node with no servers (its service is disabled, so nothing is scheduled there).
    run: (env, v) => body(admin(env, v).get(atLeast(v, '2.53') ? '/os-hypervisors?hypervisor_hostname_pattern=host3' : '/os-hypervisors/host3/servers')),
  },
  {
    resource: 'os-hypervisors',
    file: 'hypervisors-show-resp.json',
    opaque: CPU_INFO,
    run: async (env, v) => body(admin(env, v).get(`/os-hypervisors/${await hypervisorId(env, v)}`)),
  },
  {
    resource: 'os-hypervisors',
    file: 'hypervisors-show-with-servers-resp.json',
    opaque: CPU_INFO,
    run: async (env, v) => {
      await serverAt(env, '2.1');
      return body(admin(env, v).get(`/os-hypervisors/${await hypervisorId(env, v)}?with_servers=1`));
    },
  },
  { resource: 'os-hypervisors', file: 'hypervisors-statistics-resp.json', run: (env, v) => body(admin(env, v).get('/os-hypervisors/statistics')) },
  {
    resource: 'os-hypervisors',
    file: 'hypervisors-uptime-resp.json',
    run: async (env, v) => body(admin(env, v).get(`/os-hypervisors/${await hypervisorId(env, v)}/uptime`)),
  },
];

// --- services --------------------------------------------------------------

/** PUT /os-services/{action} before 2.53, PUT /os-services/{uuid} from 2.53 (on host2's nova-compute). */
async function serviceUpdate(env: SampleEnv, v: string, legacy: [string, Record<string, unknown>], modern: Record<string, unknown>) {
  if (!atLeast(v, '2.53')) return body(admin(env, v).put(`/os-services/${legacy[0]}`, { host: 'host2', binary: 'nova-compute', ...legacy[1] }));
  const svc = (await env.cloud.db.services.list({ binary: 'nova-compute' })).find((s) => s.host === 'host2');
  if (!svc) throw new Error('no nova-compute on host2');
  return body(admin(env, v).put(`/os-services/${svc.uuid}`, modern));
}

const serviceCases: SampleCase[] = [
  {
    resource: 'os-services',
    file: 'services-list-get-resp.json',
    skip: { '2.69': 'services of a down cell (status UNKNOWN only): this deployment has one cell, never down' },
    run: (env, v) => body(admin(env, v).get('/os-services')),
  },
  { resource: 'os-services', file: 'service-enable-put-resp.json', run: (env, v) => serviceUpdate(env, v, ['enable', {}], { status: 'enabled' }) },
  { resource: 'os-services', file: 'service-disable-put-resp.json', run: (env, v) => serviceUpdate(env, v, ['disable', {}], { status: 'disabled' }) },
  {
    resource: 'os-services',
    file: 'service-disable-log-put-resp.json',
    run: (env, v) => serviceUpdate(env, v, ['disable-log-reason', { disabled_reason: 'test2' }], { status: 'disabled', disabled_reason: 'test2' }),
  },
  {
    resource: 'os-services',
    file: 'service-force-down-put-resp.json',
    run: async (env, v) => {
      const out = await serviceUpdate(env, v, ['force-down', { forced_down: true }], { forced_down: true });
      await serviceUpdate(env, v, ['force-down', { forced_down: false }], { forced_down: false });
      return out;
    },
  },
];

// --- key pairs -------------------------------------------------------------

/** Nova's sample tests create key pairs as a member before 2.10, as an admin for another user from 2.10. */
function keypairBody(v: string, withKey: boolean, user?: string): Record<string, unknown> {
  const kp: Record<string, unknown> = { name: unique('keypair') };
  if (withKey) kp.public_key = KEYS.rsa.key;
  if (atLeast(v, '2.2')) kp.type = 'ssh';
  if (atLeast(v, '2.10') && user) kp.user_id = user;
  return { keypair: kp };
}
const keypairClient = (env: SampleEnv, v: string) => (atLeast(v, '2.10') ? admin(env, v) : member(env, v));

const keypairCases: SampleCase[] = [
  {
    resource: 'os-keypairs',
    file: 'keypairs-post-resp.json',
    run: (env, v) => body(keypairClient(env, v).post('/os-keypairs', keypairBody(v, false, 'fake')), atLeast(v, '2.2') ? 201 : 200),
  },
  {
    resource: 'os-keypairs',
    file: 'keypairs-import-post-resp.json',
    run: (env, v) => body(keypairClient(env, v).post('/os-keypairs', keypairBody(v, true, 'fake')), atLeast(v, '2.2') ? 201 : 200),
  },
  {
    resource: 'os-keypairs',
    file: 'keypairs-list-resp.json',
    run: async (env, v) => {
      const c = member(env, v);
      const names: string[] = [];
      for (let i = 0; i < 3; i++) {
        const r = (await body(c.post('/os-keypairs', keypairBody(v, true)), atLeast(v, '2.2') ? 201 : 200)) as { keypair: { name: string } };
        names.push(r.keypair.name);
      }
      return body(c.get(atLeast(v, '2.35') ? `/os-keypairs?limit=1&marker=${names.sort()[0]}` : '/os-keypairs'));
    },
  },
  ...['keypairs-list-user1-resp.json', 'keypairs-list-user2-resp.json'].map(
    (file, i): SampleCase => ({
      resource: 'os-keypairs',
      file,
      run: async (env, v) => {
        const user = `user${i + 1}-${v}`;
        const names: string[] = [];
        for (let k = 0; k < 3; k++) names.push(((await body(admin(env, v).post('/os-keypairs', keypairBody(v, true, user)), 201)) as { keypair: { name: string } }).keypair.name);
        const sorted = names.sort();
        return body(admin(env, v).get(i === 0 ? `/os-keypairs?user_id=${user}&marker=${sorted[0]}` : `/os-keypairs?user_id=${user}&marker=${sorted[0]}&limit=1`));
      },
    }),
  ),
  {
    resource: 'os-keypairs',
    file: 'keypairs-get-resp.json',
    run: async (env, v) => {
      const c = member(env, v);
      const r = (await body(c.post('/os-keypairs', keypairBody(v, true)), atLeast(v, '2.2') ? 201 : 200)) as { keypair: { name: string } };
      return body(c.get(`/os-keypairs/${r.keypair.name}`));
    },
  },
];

// --- aggregates ------------------------------------------------------------

async function aggregate(env: SampleEnv, v: string): Promise<{ created: unknown; id: number }> {
  const created = (await body(admin(env, v).post('/os-aggregates', { aggregate: { name: unique('name'), availability_zone: 'london' } }))) as { aggregate: { id: number } };
  return { created, id: created.aggregate.id };
}
const aggregateAction = async (env: SampleEnv, v: string, id: number, action: Record<string, unknown>) => body(admin(env, v).post(`/os-aggregates/${id}/action`, action));

const aggregateCases: SampleCase[] = [
  { resource: 'os-aggregates', file: 'aggregate-post-resp.json', run: async (env, v) => (await aggregate(env, v)).created },
  {
    resource: 'os-aggregates',
    file: 'aggregate-update-post-resp.json',
    run: async (env, v) => body(admin(env, v).put(`/os-aggregates/${(await aggregate(env, v)).id}`, { aggregate: { name: unique('newname'), availability_zone: 'nova2' } })),
  },
  {
    resource: 'os-aggregates',
    file: 'aggregates-add-host-post-resp.json',
    run: async (env, v) => {
      const { id } = await aggregate(env, v);
      const out = await aggregateAction(env, v, id, { add_host: { host: 'host2' } });
      await aggregateAction(env, v, id, { remove_host: { host: 'host2' } });
      return out;
    },
  },
  {
    resource: 'os-aggregates',
    file: 'aggregates-remove-host-post-resp.json',
    run: async (env, v) => {
      const { id } = await aggregate(env, v);
      await aggregateAction(env, v, id, { add_host: { host: 'host2' } });
      return aggregateAction(env, v, id, { remove_host: { host: 'host2' } });
    },
  },
  {
    resource: 'os-aggregates',
    file: 'aggregates-metadata-post-resp.json',
    run: async (env, v) => aggregateAction(env, v, (await aggregate(env, v)).id, { set_metadata: { metadata: { key: 'value' } } }),
  },
  {
    resource: 'os-aggregates',
    file: 'aggregates-get-resp.json',
    run: async (env, v) => {
      const { id } = await aggregate(env, v);
      await aggregateAction(env, v, id, { add_host: { host: 'host2' } });
      const out = await body(admin(env, v).get(`/os-aggregates/${id}`));
      await aggregateAction(env, v, id, { remove_host: { host: 'host2' } });
      return out;
    },
  },
  {
    resource: 'os-aggregates',
    file: 'aggregates-list-get-resp.json',
    run: async (env, v) => {
      const { id } = await aggregate(env, v);
      await aggregateAction(env, v, id, { add_host: { host: 'host2' } });
      const out = await body(admin(env, v).get('/os-aggregates'));
      await aggregateAction(env, v, id, { remove_host: { host: 'host2' } });
      return out;
    },
  },
];

// --- server groups ---------------------------------------------------------

const groupBody = (v: string) =>
  atLeast(v, '2.64')
    ? { server_group: { name: unique('test'), policy: 'anti-affinity', rules: { max_server_per_host: 3 } } }
    : { server_group: { name: unique('test'), policies: ['anti-affinity'] } };

const serverGroupCases: SampleCase[] = [
  { resource: 'os-server-groups', file: 'server-groups-post-resp.json', run: (env, v) => body(member(env, v).post('/os-server-groups', groupBody(v))) },
  {
    resource: 'os-server-groups',
    file: 'server-groups-get-resp.json',
    run: async (env, v) => {
      const g = (await body(member(env, v).post('/os-server-groups', groupBody(v)))) as { server_group: { id: string } };
      return body(member(env, v).get(`/os-server-groups/${g.server_group.id}`));
    },
  },
  {
    resource: 'os-server-groups',
    file: 'server-groups-list-resp.json',
    run: async (env, v) => {
      await body(member(env, v).post('/os-server-groups', groupBody(v)));
      return body(member(env, v).get('/os-server-groups'));
    },
  },
];

export const resourceCases: SampleCase[] = [...flavorCases, ...hypervisorCases, ...serviceCases, ...keypairCases, ...aggregateCases, ...serverGroupCases];
