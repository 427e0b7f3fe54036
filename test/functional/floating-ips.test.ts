import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiClient, type Cloud, startCloud } from '../support/cloud.ts';
import { ADMIN, ALICE, type Json, type NetworkHarness, READER, startNetworkApi } from './network-harness.ts';

/**
 * os-floating-ips and addFloatingIp/removeFloatingIp with nova-network
 * beside the cloud: allocation from the default pool or a named one,
 * list/show, association onto the server's fixed IP (the addresses show it
 * at once), Nova's refusals and their words, release of an associated one,
 * 404 from 2.36 (the proxy) and 2.44 (the actions).
 */
describe('os-floating-ips and the floating IP actions (nova-network beside)', () => {
  let net: NetworkHarness;
  let cloud: Cloud;
  let alice: ApiClient;
  let publicNet: Json;
  let server: string;
  let fixedIp: string;
  const missing = '3cb9bc59-5699-4588-a4b1-b87f96708bc6';
  before(async () => {
    net = await startNetworkApi();
    const url = await net.listen();
    publicNet = await net.create('networks', 'network', { name: 'public', 'router:external': true }, ADMIN);
    await net.create('subnets', 'subnet', { network_id: publicNet.id, ip_version: 4, cidr: '198.51.100.0/24', enable_dhcp: false }, ADMIN);
    const privateNet = await net.create('networks', 'network', { name: 'private' });
    const sub = await net.create('subnets', 'subnet', { network_id: privateNet.id, ip_version: 4, cidr: '10.0.0.0/24' });
    const router = await net.create('routers', 'router', { name: 'r', external_gateway_info: { network_id: publicNet.id } });
    assert.equal((await net.call('PUT', `/v2.0/routers/${router.id}/add_router_interface`, { subnet_id: sub.id })).status, 200);
    cloud = await startCloud({ computes: ['host1'], overrides: { neutron: { endpoint_override: url } } });
    alice = new ApiClient(cloud.url, ALICE, '2.35');
    server = await alice.boot('vm-fip', { networks: [{ uuid: privateNet.id }] });
    await alice.waitFor(server, ['ACTIVE']);
    const addrs = (await alice.get<Json>(`/servers/${server}`)).body.server.addresses.private as Json[];
    fixedIp = String(addrs[0]?.addr);
  });
  after(async () => {
    await cloud?.stop();
    await net?.close();
  });

  const allocate = async (body?: unknown): Promise<Json> => {
    const r = await alice.post<Json>('/os-floating-ips', body ?? null);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body.floating_ip as Json;
  };
  const addresses = async (): Promise<Json[]> => (await alice.get<Json>(`/servers/${server}`)).body.server.addresses.private as Json[];

  it('allocates from the default pool or a named one; lists and shows; unknown pool or id 404', async () => {
    const a = await allocate();
    assert.deepEqual(Object.keys(a).sort(), ['fixed_ip', 'id', 'instance_id', 'ip', 'pool']);
    assert.equal(a.pool, 'public');
    assert.equal(a.fixed_ip, null);
    assert.equal(a.instance_id, null);
    assert.match(String(a.ip), /^198\.51\.100\./);
    const b = await allocate({ pool: publicNet.id });
    assert.equal(b.pool, 'public');
    const list = (await alice.get<Json>('/os-floating-ips')).body.floating_ips as Json[];
    assert.deepEqual(list.map((f) => f.id).sort(), [a.id, b.id].sort());
    assert.deepEqual((await alice.get<Json>(`/os-floating-ips/${a.id}`)).body.floating_ip, a);
    const nf = await alice.get<Json>(`/os-floating-ips/${missing}`);
    assert.equal(nf.status, 404);
    assert.equal(nf.body.itemNotFound.message, `Floating IP not found for ID ${missing}`);
    const pool = await alice.post<Json>('/os-floating-ips', { pool: 'nowhere' });
    assert.equal(pool.status, 404);
    assert.equal(pool.body.itemNotFound.message, 'Floating IP pool not found.');
    assert.equal((await alice.as(READER).get('/os-floating-ips')).status, 200);
    assert.equal((await alice.as(READER).post('/os-floating-ips', null)).status, 403);
    assert.equal((await alice.as('bob:projB').get<Json>('/os-floating-ips')).body.floating_ips.length, 0);
    assert.equal((await alice.delete(`/os-floating-ips/${b.id}`)).status, 202);
    assert.equal((await alice.get(`/os-floating-ips/${b.id}`)).status, 404);
  });

  it('addFloatingIp onto the fixed IP (the addresses show it), removeFloatingIp, with Nova refusals', async () => {
    const f = await allocate();
    const action = (body: Json, id = server, c = alice) => c.post<Json>(`/servers/${id}/action`, body);
    const wrongFixed = await action({ addFloatingIp: { address: f.ip, fixed_address: '10.9.9.9' } });
    assert.equal(wrongFixed.status, 400);
    assert.equal(wrongFixed.body.badRequest.message, 'Specified fixed address not assigned to instance');
    const unknown = await action({ addFloatingIp: { address: '203.0.113.9' } });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.itemNotFound.message, 'floating IP not found');
    assert.equal((await action({ addFloatingIp: { address: 'nope' } })).status, 400);
    assert.equal((await action({ addFloatingIp: { address: f.ip } }, server, alice.as(READER))).status, 403);
    assert.equal((await action({ addFloatingIp: { address: f.ip, fixed_address: fixedIp } })).status, 202);
    assert.deepEqual(
      (await addresses()).map((a) => [a.addr, a['OS-EXT-IPS:type']]),
      [
        [fixedIp, 'fixed'],
        [f.ip, 'floating'],
      ],
    );
    const shown = (await alice.get<Json>(`/os-floating-ips/${f.id}`)).body.floating_ip;
    assert.equal(shown.instance_id, server);
    assert.equal(shown.fixed_ip, fixedIp);
    const elsewhere = await action({ removeFloatingIp: { address: f.ip } }, missing);
    assert.equal(elsewhere.status, 409);
    assert.equal(elsewhere.body.conflictingRequest.message, `Floating IP ${f.ip} is not associated with instance ${missing}.`);
    const gone = await action({ removeFloatingIp: { address: '203.0.113.9' } });
    assert.equal(gone.status, 404);
    assert.equal(gone.body.itemNotFound.message, 'Floating IP not found for address 203.0.113.9.');
    assert.equal((await action({ removeFloatingIp: { address: f.ip } })).status, 202);
    assert.deepEqual(
      (await addresses()).map((a) => a.addr),
      [fixedIp],
    );
    // Not associated: no server to take the policy target from (only an admin passes), then 409.
    assert.equal((await action({ removeFloatingIp: { address: f.ip } })).status, 403);
    assert.equal((await action({ removeFloatingIp: { address: f.ip } }, server, alice.as(ADMIN))).status, 409);
  });

  it('releases an associated floating IP (the cache refreshed); 404 after', async () => {
    const f = await allocate();
    assert.equal((await alice.post(`/servers/${server}/action`, { addFloatingIp: { address: f.ip } })).status, 202);
    assert.equal((await addresses()).length, 2);
    assert.equal((await alice.delete(`/os-floating-ips/${f.id}`)).status, 202);
    assert.equal((await addresses()).length, 1);
    assert.equal((await alice.delete(`/os-floating-ips/${f.id}`)).status, 404);
  });

  it('answers 404 from 2.36 (os-floating-ips) and 2.44 (the actions)', async () => {
    assert.equal((await alice.at('2.36').get('/os-floating-ips')).status, 404);
    assert.equal((await alice.at('2.36').post('/os-floating-ips', null)).status, 404);
    const f = await allocate();
    const at244 = alice.at('2.44');
    assert.equal((await at244.post(`/servers/${server}/action`, { addFloatingIp: { address: f.ip } })).status, 404);
    assert.equal((await at244.post(`/servers/${server}/action`, { removeFloatingIp: { address: f.ip } })).status, 404);
    assert.equal((await alice.at('2.43').post(`/servers/${server}/action`, { addFloatingIp: { address: f.ip } })).status, 202);
  });
});
