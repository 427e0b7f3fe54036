/** Bad input never makes these resources answer 500: malformed bodies, query strings and ids on every route. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ALICE, createComputeHost, type Harness, startApi } from './harness.ts';

const BODIES: unknown[] = [
  'null',
  '[]',
  '"text"',
  '42',
  '{"unterminated":',
  '{}',
  { flavor: null },
  { flavor: [] },
  { keypair: { name: null } },
  { keypair: { name: 'k', public_key: 12 } },
  { keypair: { name: 'k', public_key: 'ssh-rsa \u0000\u0001' } },
  { quota_set: { instances: { nested: 1 } } },
  { quota_set: null },
  { status: 'disabled', forced_down: null },
  { host: ['a'], binary: {} },
  { extra_specs: [] },
  { addTenantAccess: null },
  { removeTenantAccess: { tenant: 5 } },
  { a: 'x'.repeat(70000) },
  JSON.stringify({ deep: Array.from({ length: 200 }).reduce((acc) => ({ x: acc }), {}) }),
];

const QUERIES = [
  '?limit=',
  '?limit=1e3',
  '?limit=99999999999999999999',
  '?marker=',
  '?marker=%00',
  '?is_public=',
  '?minRam=%20',
  '?sort_key=id&sort_key=bogus',
  '?user_id=',
  '?tenant_id=',
  '?host=&binary=',
  '?with_servers=yes&with_servers=no',
  '?hypervisor_hostname_pattern=%25',
  '?x[y]=1',
  '?limit[]=1',
];

describe('malformed input never causes a 500', () => {
  let h: Harness;
  let uuid: string;
  before(async () => {
    h = await startApi();
    uuid = (await createComputeHost(h.db, 'cmp-1')).service.uuid;
  });
  after(async () => {
    await h.close();
  });

  const writes = () =>
    [
      ['POST', '/v2.1/flavors'],
      ['PUT', '/v2.1/flavors/1'],
      ['POST', '/v2.1/flavors/1/action'],
      ['POST', '/v2.1/flavors/1/os-extra_specs'],
      ['PUT', '/v2.1/flavors/1/os-extra_specs/a'],
      ['PUT', '/v2.1/os-services/enable'],
      ['PUT', '/v2.1/os-services/force-down'],
      ['PUT', `/v2.1/os-services/${uuid}`],
      ['POST', '/v2.1/os-keypairs'],
      ['PUT', '/v2.1/os-quota-sets/projA'],
    ] as const;

  it('bodies', async () => {
    for (const [method, url] of writes()) {
      for (const version of ['2.1', '2.11', '2.53', '2.55', '2.75', '2.92', '2.93']) {
        for (const body of BODIES) {
          for (const token of ['admin:admin', ALICE]) {
            const res = await h.call(method, url, { version, body, token });
            assert.ok(res.statusCode < 500, `${method} ${url} @${version} ${String(JSON.stringify(body)).slice(0, 80)} → ${res.statusCode} ${res.body}`);
          }
        }
      }
    }
  });

  it('query strings and ids', async () => {
    const reads = [
      '/v2.1/flavors',
      '/v2.1/flavors/detail',
      '/v2.1/flavors/%E2%9C%93',
      '/v2.1/flavors/1/os-extra_specs',
      '/v2.1/flavors/1/os-extra_specs/%20',
      '/v2.1/flavors/1/os-flavor-access',
      '/v2.1/os-services',
      '/v2.1/os-hypervisors',
      '/v2.1/os-hypervisors/detail',
      '/v2.1/os-hypervisors/statistics',
      '/v2.1/os-hypervisors/-1',
      '/v2.1/os-hypervisors/1.5/uptime',
      '/v2.1/os-hypervisors/%25%5F/search',
      '/v2.1/os-hypervisors/(/servers',
      '/v2.1/os-availability-zone',
      '/v2.1/os-availability-zone/detail',
      '/v2.1/os-keypairs',
      '/v2.1/os-keypairs/%00',
      '/v2.1/os-quota-sets/projA',
      '/v2.1/os-quota-sets/projA/detail',
      '/v2.1/os-quota-sets/projA/defaults',
      '/v2.1/limits',
    ];
    for (const url of reads) {
      for (const q of ['', ...QUERIES]) {
        for (const version of ['2.1', '2.33', '2.53', '2.75', '2.88']) {
          const res = await h.call('GET', `${url}${q}`, { version });
          assert.ok(res.statusCode < 500, `GET ${url}${q} @${version} → ${res.statusCode} ${res.body}`);
        }
      }
    }
    for (const url of [
      '/v2.1/flavors/%20',
      '/v2.1/os-services/1e9',
      `/v2.1/os-services/${'9'.repeat(30)}`,
      '/v2.1/os-keypairs/x?user_id=',
      '/v2.1/os-quota-sets/x?user_id=a&user_id=b',
    ]) {
      for (const version of ['2.1', '2.53', '2.75']) {
        const res = await h.call('DELETE', url, { version });
        assert.ok(res.statusCode < 500, `DELETE ${url} @${version} → ${res.statusCode} ${res.body}`);
      }
    }
  });
});
