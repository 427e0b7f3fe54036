import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { novaEventsFromConfig } from '../../src/cmd/nova-events.ts';
import { loadConfig } from '../../src/conf/loader.ts';
import { silentLogger } from '../../src/log.ts';
import type { SendNovaEvents } from '../../src/network/nova-notifier.ts';
import { hypervisorOf } from '../../src/virt/fake/hypervisor.ts';
import { ApiClient, type Cloud, startCloud } from '../support/cloud.ts';
import { until } from '../support/procs.ts';
import { ALICE, type Json, type NetworkHarness, READER, startNetworkApi } from './network-harness.ts';

/**
 * os-interface on the fake driver with nova-network beside the cloud:
 * list and show (tag from 2.70), attach by network (fixed IP, tag at 2.49)
 * and by port, Nova's refusals (unknown port or network, port in use, both
 * or an IP without a network, the wrong state, a host whose driver cannot,
 * a driver failure), detach deleting nova's port and unbinding a given one,
 * and network-vif-deleted unplugging a port the network service deleted.
 */
describe('os-interface (fake driver, nova-network beside)', () => {
  let net: NetworkHarness;
  let cloud: Cloud;
  let alice: ApiClient;
  let privateNet: Json;
  let otherNet: Json;
  let server: string;
  const missing = '3cb9bc59-5699-4588-a4b1-b87f96708bc6';
  before(async () => {
    let send: SendNovaEvents = async () => {};
    net = await startNetworkApi({ neutron_server: { send_events_interval: '0' } }, undefined, (events) => send(events));
    const url = await net.listen();
    privateNet = await net.create('networks', 'network', { name: 'private' });
    await net.create('subnets', 'subnet', { network_id: privateNet.id, cidr: '10.0.0.0/24', ip_version: 4 });
    otherNet = await net.create('networks', 'network', { name: 'other' });
    await net.create('subnets', 'subnet', { network_id: otherNet.id, cidr: '10.1.0.0/24', ip_version: 4 });
    cloud = await startCloud({
      computes: ['host1', { host: 'limited', overrides: { fake: { disabled_capabilities: 'supports_attach_interface' } } }],
      overrides: { neutron: { endpoint_override: url } },
    });
    alice = new ApiClient(cloud.url, ALICE, '2.70');
    const toNova = novaEventsFromConfig(loadConfig({ overrides: { api: { auth_strategy: 'noauth2' }, nova: { endpoint_override: `${cloud.url}/v2.1` } } }), silentLogger());
    if (toNova) send = toNova;
    await enabled('limited', false);
    server = await alice.boot('vm-if', { networks: [{ uuid: privateNet.id, tag: 'boot' }] });
    await alice.waitFor(server, ['ACTIVE']);
  });
  after(async () => {
    await cloud?.stop();
    await net?.close();
  });

  /** The scheduler's choice steered by disabling the other host. */
  const enabled = async (host: string, on: boolean) => {
    const r = await new ApiClient(cloud.url, 'admin:admin', '2.1').put(`/os-services/${on ? 'enable' : 'disable'}`, { host, binary: 'nova-compute' });
    assert.equal(r.status, 200);
  };
  const port = async (id: string): Promise<Json> => (await net.call('GET', `/v2.0/ports/${id}`, undefined, 'admin:admin')).body.port as Json;
  const guestVifs = (id: string): string[] => hypervisorOf('host1', null).guests.get(id)?.vifs ?? [];
  const list = async (c = alice): Promise<Json[]> => (await c.get<{ interfaceAttachments: Json[] }>(`/servers/${server}/os-interface`)).body.interfaceAttachments;

  it('lists and shows the attachments, with their tag from 2.70', async () => {
    const [a] = await list();
    const p = await port(String(a?.port_id));
    assert.deepEqual(a, { net_id: privateNet.id, port_id: p.id, mac_addr: p.mac_address, port_state: p.status, fixed_ips: p.fixed_ips, tag: 'boot' });
    const old = await alice.at('2.69').get<{ interfaceAttachments: Json[] }>(`/servers/${server}/os-interface`);
    assert.equal('tag' in (old.body.interfaceAttachments[0] ?? {}), false);
    const show = await alice.get<Json>(`/servers/${server}/os-interface/${p.id}`);
    assert.equal(show.status, 200);
    assert.deepEqual(show.body.interfaceAttachment, a);
    const foreign = await net.create('ports', 'port', { network_id: otherNet.id });
    const r = await alice.get<Json>(`/servers/${server}/os-interface/${foreign.id}`);
    assert.equal(r.status, 404);
    assert.equal(r.body.itemNotFound.message, `Instance ${server} does not have a port with id ${foreign.id}`);
    assert.equal((await alice.get<Json>(`/servers/${server}/os-interface/${missing}`)).body.itemNotFound.message, `Port id ${missing} could not be found.`);
    assert.equal((await alice.as('bob:projB').get(`/servers/${server}/os-interface`)).status, 404);
    assert.equal((await alice.as(READER).get(`/servers/${server}/os-interface`)).status, 200);
  });

  it('attaches a port on a network with a fixed IP and a tag (200), plugged and cached; detach deletes it', async () => {
    const r = await alice.post<Json>(`/servers/${server}/os-interface`, { interfaceAttachment: { net_id: otherNet.id, fixed_ips: [{ ip_address: '10.1.0.50' }], tag: 'extra' } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const a = r.body.interfaceAttachment;
    assert.equal(a.net_id, otherNet.id);
    assert.equal(a.tag, 'extra');
    assert.equal(a.fixed_ips[0].ip_address, '10.1.0.50');
    const p = await port(a.port_id);
    assert.equal(p.device_id, server);
    assert.equal(p['binding:host_id'], 'host1');
    assert.ok(guestVifs(server).includes(p.id), 'the fake guest has the VIF');
    const s = await alice.server(server);
    assert.equal((s.addresses as Record<string, Json[]>).other?.[0]?.addr, '10.1.0.50');
    assert.equal((await list()).length, 2);
    const actions = (await alice.get<{ instanceActions: Json[] }>(`/servers/${server}/os-instance-actions`)).body.instanceActions.map((x) => x.action);
    assert.ok(actions.includes('attach_interface'));
    assert.equal((await alice.delete(`/servers/${server}/os-interface/${p.id}`)).status, 202);
    await until(async () => (await net.call('GET', `/v2.0/ports/${p.id}`, undefined, 'admin:admin')).status === 404, 10_000, 'the port deleted', 50);
    await until(async () => !('other' in ((await alice.server(server)).addresses as Json)), 10_000, 'the cache without the port', 50);
    assert.equal(guestVifs(server).includes(p.id), false);
  });

  it('attaches a given port, refuses it in use; detach unbinds it', async () => {
    const given = await net.create('ports', 'port', { network_id: otherNet.id });
    let r = await alice.post<Json>(`/servers/${server}/os-interface`, { interfaceAttachment: { port_id: given.id } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.interfaceAttachment.port_id, given.id);
    r = await alice.post<Json>(`/servers/${server}/os-interface`, { interfaceAttachment: { port_id: given.id } });
    assert.equal(r.status, 409);
    assert.equal(r.body.conflictingRequest.message, `Port ${given.id} is still in use.`);
    assert.equal((await alice.delete(`/servers/${server}/os-interface/${given.id}`)).status, 202);
    await until(async () => (await port(given.id)).device_id === '', 10_000, 'the port unbound', 50);
    assert.equal((await port(given.id))['binding:host_id'], '');
    await until(async () => (await list()).length === 1, 10_000, 'one attachment left', 50);
  });

  it("refuses Nova's bad requests: unknown port or network, both, an IP without a network, no network to choose", async () => {
    const at = (body: unknown, c = alice) => c.post<Json>(`/servers/${server}/os-interface`, body);
    let r = await at({ interfaceAttachment: { port_id: missing } });
    assert.equal(r.status, 404);
    assert.equal(r.body.itemNotFound.message, `Port id ${missing} could not be found.`);
    r = await at({ interfaceAttachment: { net_id: missing } });
    assert.equal(r.status, 404);
    assert.equal(r.body.itemNotFound.message, `Network ${missing} could not be found.`);
    r = await at({ interfaceAttachment: { net_id: otherNet.id, port_id: missing } });
    assert.equal(r.status, 400);
    assert.equal(r.body.badRequest.message, 'Must not input both network_id and port_id');
    r = await at({ interfaceAttachment: { fixed_ips: [{ ip_address: '10.0.0.9' }] } });
    assert.equal(r.body.badRequest.message, 'Must input network_id when request IP address');
    r = await at({ interfaceAttachment: { net_id: otherNet.id, tag: 'x' } }, alice.at('2.48'));
    assert.equal(r.status, 400);
    r = await at({ interfaceAttachment: {} });
    assert.equal(r.status, 400);
    assert.equal(r.body.badRequest.message, 'Multiple possible networks found, use a Network ID to be more specific.');
    const foreign = await net.create('ports', 'port', { network_id: otherNet.id, tenant_id: 'projB' }, 'admin:admin');
    r = await at({ interfaceAttachment: { port_id: foreign.id } });
    assert.equal(r.status, 400);
    assert.equal(r.body.badRequest.message, `Port ${foreign.id} not usable for instance ${server}.`);
    assert.equal((await at({ interfaceAttachment: { net_id: otherNet.id } }, alice.as(READER))).status, 403);
    assert.equal((await list()).length, 1, 'nothing attached');
  });

  it('answers 409 in the wrong state, 400 where the driver cannot, 500 when the driver fails', async () => {
    const id = await alice.boot('vm-state', { networks: 'none' });
    await alice.waitFor(id, ['ACTIVE']);
    await alice.post(`/servers/${id}/action`, { suspend: null });
    await alice.waitFor(id, ['SUSPENDED']);
    let r = await alice.post<Json>(`/servers/${id}/os-interface`, { interfaceAttachment: { net_id: otherNet.id } });
    assert.equal(r.status, 409);
    assert.equal(r.body.conflictingRequest.message, `Cannot 'attach_interface' instance ${id} while it is in vm_state suspended`);
    r = await alice.delete<Json>(`/servers/${id}/os-interface/${missing}`);
    assert.equal(r.body.conflictingRequest.message, `Cannot 'detach_interface' instance ${id} while it is in vm_state suspended`);
    await alice.post(`/servers/${id}/action`, { resume: null });
    await alice.waitFor(id, ['ACTIVE']);
    await alice.put(`/servers/${id}/metadata/fake_attach_fail`, { meta: { fake_attach_fail: 'true' } });
    r = await alice.post<Json>(`/servers/${id}/os-interface`, { interfaceAttachment: { net_id: otherNet.id } });
    assert.equal(r.status, 500);
    assert.equal(r.body.computeFault.message, `Failed to attach network adapter device to ${id}`);
    assert.deepEqual((await net.call('GET', `/v2.0/ports?device_id=${id}`, undefined, 'admin:admin')).body.ports, [], 'the port given back');
    await enabled('limited', true);
    await enabled('host1', false);
    const limited = await alice.boot('vm-limited', { networks: 'none' });
    await alice.waitFor(limited, ['ACTIVE']);
    await enabled('host1', true);
    await enabled('limited', false);
    r = await alice.post<Json>(`/servers/${limited}/os-interface`, { interfaceAttachment: { net_id: otherNet.id } });
    assert.equal(r.status, 400);
    assert.equal(r.body.badRequest.message, `Attaching interfaces is not supported for instance ${limited}.`);
    for (const x of [id, limited]) await alice.delete(`/servers/${x}`);
  });

  it('detaches a port the network service deleted (network-vif-deleted)', async () => {
    const r = await alice.post<Json>(`/servers/${server}/os-interface`, { interfaceAttachment: { net_id: otherNet.id } });
    const portId = String(r.body.interfaceAttachment.port_id);
    assert.ok(guestVifs(server).includes(portId));
    assert.equal((await net.call('DELETE', `/v2.0/ports/${portId}`, undefined, 'admin:admin')).status, 204);
    await until(async () => !guestVifs(server).includes(portId), 10_000, 'the VIF unplugged', 50);
    await until(async () => !('other' in ((await alice.server(server)).addresses as Json)), 10_000, 'the cache without the port', 50);
  });
});
