import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiClient, type Cloud, startCloud } from '../support/cloud.ts';
import { createImage, type ImageHarness, startImageApi } from './image-harness.ts';
import { ADMIN, type Json, type NetworkHarness, startNetworkApi } from './network-harness.ts';

/**
 * The port binding follows the server (fake driver, nova-network and the
 * image service beside the in-process cloud, three computes): resize
 * (finish_resize binds to the destination, a revert back to the source),
 * cold migration, live migration (post_live_migration_at_destination),
 * shelve offload (no host), unshelve (the new host) and evacuation (the
 * rebuild host); the addresses stay in the network info cache throughout.
 */
describe('port bindings through server moves', () => {
  let net: NetworkHarness;
  let glance: ImageHarness;
  let cloud: Cloud;
  let api: ApiClient;
  let imageRef: string;
  let privateNet: Json;
  before(async () => {
    net = await startNetworkApi();
    const url = await net.listen();
    privateNet = await net.create('networks', 'network', { name: 'private', shared: true }, ADMIN);
    await net.create('subnets', 'subnet', { network_id: privateNet.id, cidr: '10.0.0.0/24', ip_version: 4 }, ADMIN);
    glance = await startImageApi();
    const glanceUrl = await glance.listen();
    cloud = await startCloud({
      computes: ['c1', 'c2', 'c3'],
      overrides: {
        neutron: { endpoint_override: url },
        glance: { api_servers: glanceUrl },
        DEFAULT: { shelved_offload_time: '0' },
        fake: { memory_mb: '8192', vcpus: '16', local_gb: '200', live_migration_ms: '200' },
      },
    });
    api = new ApiClient(cloud.url, ADMIN, '2.91');
    const img = await createImage(glance, { name: 'cirros', disk_format: 'qcow2', container_format: 'bare', visibility: 'public' }, ADMIN);
    imageRef = String(img.id);
    await glance.call('PUT', `/v2/images/${imageRef}/file`, { token: ADMIN, body: Buffer.alloc(512, 1) });
  });
  after(async () => {
    await cloud?.stop();
    await glance?.close();
    await net?.close();
  });

  const act = async (id: string, body: unknown, expect = 202) => {
    const r = await api.post(`/servers/${id}/action`, body);
    assert.equal(r.status, expect, JSON.stringify(r.body));
  };
  const hostOf = (s: Json) => String(s['OS-EXT-SRV-ATTR:host']);
  const bindingOf = async (id: string): Promise<string> => {
    const ports = (await net.call('GET', `/v2.0/ports?device_id=${id}`, undefined, ADMIN)).body.ports as Json[];
    assert.equal(ports.length, 1);
    return String(ports[0]?.['binding:host_id']);
  };
  const addressOf = (s: Json) => (s.addresses as Record<string, Json[]>).private?.[0]?.addr;

  it('moves the binding with resize, revert, migration, live migration, shelve, unshelve and evacuation', async () => {
    const id = await api.boot('mover', { imageRef, networks: [{ uuid: privateNet.id }], availability_zone: 'nova:c1' });
    let s = await api.waitFor(id, ['ACTIVE']);
    const ip = addressOf(s);
    assert.match(String(ip), /^10\.0\.0\./);
    assert.equal(await bindingOf(id), 'c1');

    await act(id, { resize: { flavorRef: '2' } });
    s = await api.waitFor(id, ['VERIFY_RESIZE']);
    assert.notEqual(hostOf(s), 'c1');
    assert.equal(await bindingOf(id), hostOf(s), 'finish_resize binds the port to the destination');
    await act(id, { revertResize: null });
    s = await api.waitFor(id, ['ACTIVE']);
    assert.equal(await bindingOf(id), 'c1', 'a revert binds the port to the source again');

    await act(id, { migrate: { host: 'c2' } });
    s = await api.waitFor(id, ['VERIFY_RESIZE']);
    assert.equal(await bindingOf(id), 'c2');
    await act(id, { confirmResize: null }, 204);
    s = await api.waitFor(id, ['ACTIVE']);
    assert.equal(addressOf(s), ip);

    await act(id, { 'os-migrateLive': { host: 'c3', block_migration: false } });
    s = await api.waitFor(id, ['ACTIVE']);
    assert.equal(await bindingOf(id), 'c3', 'post_live_migration_at_destination binds the port there');
    assert.equal(addressOf(s), ip);

    await act(id, { shelve: null });
    s = await api.waitFor(id, ['SHELVED_OFFLOADED']);
    assert.equal(await bindingOf(id), '', 'an offloaded server has its port unbound');
    assert.equal(addressOf(s), ip, 'the port stays the server’s');
    await act(id, { unshelve: { host: 'c1' } });
    s = await api.waitFor(id, ['ACTIVE']);
    assert.equal(hostOf(s), 'c1');
    assert.equal(await bindingOf(id), 'c1', 'unshelve binds the port to the new host');

    await cloud.stopCompute('c1');
    const deadline = Date.now() + 15_000;
    let r = await api.post(`/servers/${id}/action`, { evacuate: {} });
    while (r.status === 400 && Date.now() < deadline) {
      await sleep(250);
      r = await api.post(`/servers/${id}/action`, { evacuate: {} });
    }
    assert.equal(r.status, 200, JSON.stringify(r.body));
    s = await api.waitFor(id, ['ACTIVE']);
    assert.equal(await bindingOf(id), hostOf(s), 'the rebuild on the new host binds the port there');
    assert.equal(addressOf(s), ip);

    assert.equal((await api.delete(`/servers/${id}`)).status, 204);
    await api.waitGone(id);
    assert.deepEqual((await net.call('GET', `/v2.0/ports?device_id=${id}`, undefined, ADMIN)).body.ports, []);
  });
});
