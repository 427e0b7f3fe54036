import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiClient, type Cloud, startCloud } from '../support/cloud.ts';
import { ADMIN, ALICE, type Json, type NetworkHarness, startNetworkApi } from './network-harness.ts';

/**
 * The deprecated network proxies at old microversions, read from
 * nova-network as the caller: os-networks and os-tenant-networks GET list
 * and show ('Network not found'), os-floating-ip-pools; each 404 from 2.36.
 */
describe('network proxies (os-networks, os-tenant-networks, os-floating-ip-pools)', () => {
  let net: NetworkHarness;
  let cloud: Cloud;
  let alice: ApiClient;
  let privateNet: Json;
  let publicNet: Json;
  const missing = '3cb9bc59-5699-4588-a4b1-b87f96708bc6';
  before(async () => {
    net = await startNetworkApi();
    const url = await net.listen();
    privateNet = await net.create('networks', 'network', { name: 'private' });
    publicNet = await net.create('networks', 'network', { name: 'public', 'router:external': true }, ADMIN);
    cloud = await startCloud({ computes: ['host1'], overrides: { neutron: { endpoint_override: url } } });
    alice = new ApiClient(cloud.url, ALICE, '2.35');
  });
  after(async () => {
    await cloud?.stop();
    await net?.close();
  });

  it('os-networks: id and label, the nova-network fields null (the admin ones for an admin)', async () => {
    const r = await alice.get<{ networks: Json[] }>('/os-networks');
    assert.equal(r.status, 200);
    const mine = r.body.networks.find((n) => n.id === privateNet.id);
    assert.deepEqual(mine, {
      id: privateNet.id,
      cidr: null,
      netmask: null,
      gateway: null,
      broadcast: null,
      dns1: null,
      dns2: null,
      cidr_v6: null,
      gateway_v6: null,
      label: 'private',
      netmask_v6: null,
    });
    const show = await alice.get<Json>(`/os-networks/${privateNet.id}`);
    assert.deepEqual(show.body.network, mine);
    const admin = await alice.as(ADMIN).get<Json>(`/os-networks/${privateNet.id}`);
    assert.equal(admin.body.network.share_address, null);
    assert.equal(Object.keys(admin.body.network).length, 32);
    const nf = await alice.get<Json>(`/os-networks/${missing}`);
    assert.equal(nf.status, 404);
    assert.equal(nf.body.itemNotFound.message, 'Network not found');
  });

  it("os-tenant-networks: id, label and cidr 'None'", async () => {
    const r = await alice.get<{ networks: Json[] }>('/os-tenant-networks');
    assert.deepEqual(
      r.body.networks.find((n) => n.id === privateNet.id),
      { id: privateNet.id, cidr: 'None', label: 'private' },
    );
    assert.deepEqual((await alice.get<Json>(`/os-tenant-networks/${privateNet.id}`)).body.network, { id: privateNet.id, cidr: 'None', label: 'private' });
    const nf = await alice.get<Json>(`/os-tenant-networks/${missing}`);
    assert.equal(nf.status, 404);
    assert.equal(nf.body.itemNotFound.message, 'Network not found');
  });

  it('os-floating-ip-pools: the external networks', async () => {
    const r = await alice.get<Json>('/os-floating-ip-pools');
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { floating_ip_pools: [{ name: publicNet.name }] });
  });

  it('answers 404 from 2.36 and 410 for the writes', async () => {
    const at236 = alice.at('2.36');
    for (const path of ['/os-networks', `/os-networks/${privateNet.id}`, '/os-tenant-networks', `/os-tenant-networks/${privateNet.id}`, '/os-floating-ip-pools']) {
      assert.equal((await at236.get(path)).status, 404, path);
    }
    assert.equal((await alice.post('/os-tenant-networks', { network: { label: 'x' } })).status, 410);
  });
});
