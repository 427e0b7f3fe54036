import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ADMIN, ALICE, type Harness, startApi } from './harness.ts';

type Fault = Record<string, { code: number; message: string }>;

/** webob's HTTPGone through Nova's Fault: 410 has no fault name of its own. */
const GONE: Fault = { computeFault: { code: 410, message: 'This resource is no longer available.  No forwarding address is given.' } };

const SERVER = '7d5b6e0f-9a0a-4c1e-8d3b-5f2a1b0c9e11';

/** Every removed route of Nova's ROUTE_LIST (nova/api/openstack/compute/routes.py), with its methods. */
const REMOVED: [string, ('GET' | 'POST' | 'PUT' | 'DELETE')[]][] = [
  ['/os-agents', ['GET', 'POST']],
  ['/os-agents/1', ['PUT', 'DELETE']],
  ['/os-cells', ['POST', 'GET']],
  ['/os-cells/capacities', ['GET']],
  ['/os-cells/detail', ['GET']],
  ['/os-cells/info', ['GET']],
  ['/os-cells/sync_instances', ['POST']],
  ['/os-cells/cell1', ['GET', 'PUT', 'DELETE']],
  ['/os-cells/cell1/capacities', ['GET']],
  ['/os-cloudpipe', ['GET', 'POST']],
  ['/os-cloudpipe/configure-project', ['PUT']],
  ['/os-fixed-ips/192.168.1.1', ['GET']],
  ['/os-floating-ip-dns', ['GET']],
  ['/os-floating-ip-dns/example.org', ['PUT', 'DELETE']],
  ['/os-floating-ip-dns/example.org/entries/www', ['GET', 'PUT', 'DELETE']],
  ['/os-floating-ips-bulk', ['GET', 'POST']],
  ['/os-floating-ips-bulk/testHost', ['GET', 'PUT']],
  ['/os-fping', ['GET']],
  ['/os-fping/1', ['GET']],
  ['/os-networks', ['POST']],
  ['/os-networks/add', ['POST']],
  ['/os-networks/net1', ['DELETE']],
  ['/os-security-group-default-rules', ['GET', 'POST']],
  ['/os-security-group-default-rules/1', ['GET', 'DELETE']],
  ['/os-tenant-networks', ['POST']],
  ['/os-tenant-networks/net1', ['DELETE']],
  [`/servers/${SERVER}/consoles`, ['GET', 'POST']],
  [`/servers/${SERVER}/consoles/1`, ['GET', 'DELETE']],
  [`/servers/${SERVER}/os-virtual-interfaces`, ['GET']],
];

/** The APIs Nova removed: 410 Gone at every microversion, to any caller, whatever the body. */
describe('removed APIs', () => {
  let api: Harness;
  before(async () => {
    api = await startApi();
  });
  after(() => api.close());

  it('answer 410 with computeFault at 2.1 and at the latest microversion, as admin, member and reader', async () => {
    for (const [path, methods] of REMOVED) {
      for (const method of methods) {
        for (const [token, version] of [
          [ADMIN, undefined],
          [ALICE, '2.93'],
          ['reader:projA', 'latest'],
        ] as const) {
          const body = method === 'POST' || method === 'PUT' ? { anything: { at: 'all' } } : undefined;
          const r = await api.call(method, `/v2.1${path}`, { token, version, body });
          assert.equal(r.statusCode, 410, `${method} ${path} ${token} @${version ?? '-'}: ${r.body}`);
          assert.deepEqual(JSON.parse(r.body), GONE, `${method} ${path}`);
          assert.match(String(r.headers['content-type']), /^application\/json/);
        }
      }
    }
  });

  it('the legacy URLs with a project id and the v2 endpoint answer the same', async () => {
    for (const url of ['/v2.1/projA/os-agents', '/v2.1/projA/os-cells/detail', `/v2.1/projA/servers/${SERVER}/consoles`, '/v2/projA/os-fping']) {
      const r = await api.call('GET', url, { token: ALICE });
      assert.equal(r.statusCode, 410, `${url}: ${r.body}`);
      assert.deepEqual(JSON.parse(r.body), GONE);
    }
  });

  it('still need a token', async () => {
    const r = await api.call('GET', '/v2.1/os-agents', { token: null });
    assert.equal(r.statusCode, 401);
  });

  it('action routes: 410 for the actions they had, 400 for any other or a malformed body', async () => {
    for (const [path, actions] of [
      ['/os-fixed-ips/192.168.1.1/action', ['reserve', 'unreserve']],
      ['/os-networks/net1/action', ['disassociate', 'disassociate_host', 'disassociate_project', 'associate_host']],
    ] as const) {
      for (const action of actions) {
        const r = await api.call('POST', `/v2.1${path}`, { token: 'reader:projA', body: { [action]: null } });
        assert.equal(r.statusCode, 410, `${path} ${action}: ${r.body}`);
        assert.deepEqual(JSON.parse(r.body), GONE);
      }
      const other = await api.call('POST', `/v2.1${path}`, { body: { associate_project: null } });
      assert.equal(other.statusCode, 400);
      assert.deepEqual(JSON.parse(other.body), { badRequest: { code: 400, message: 'There is no such action: associate_project' } });
      const two = await api.call('POST', `/v2.1${path}`, { body: { reserve: null, unreserve: null } });
      assert.equal(two.statusCode, 400);
      assert.deepEqual(JSON.parse(two.body), { badRequest: { code: 400, message: 'Malformed request body' } });
    }
  });
});
