import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { novaEventsFromConfig } from '../../src/cmd/nova-events.ts';
import { loadConfig } from '../../src/conf/loader.ts';
import { silentLogger } from '../../src/log.ts';
import type { SendNovaEvents } from '../../src/network/nova-notifier.ts';
import { ApiClient, type Cloud, startCloud } from '../support/cloud.ts';
import { until } from '../support/procs.ts';
import { ADMIN, ALICE, type Json, type NetworkHarness, startNetworkApi } from './network-harness.ts';

/**
 * Servers with ports, on the fake driver, with the network service beside
 * the in-process cloud ([neutron] endpoint_override): boot on a network, on
 * a port, 'auto'/'none', Nova's refusals (NetworkNotFound, PortInUse,
 * NetworkAmbiguous, unknown security groups, auto-allocation unavailable),
 * the ports nova-compute binds (device_id, device_owner, binding:host_id),
 * addresses in show and list with the ip filter, a boot whose port cannot
 * be had (ERROR with the reason), delete removing nova's ports and
 * unbinding the others; the network service's events (network-changed on
 * a floating IP's association and disassociation) refreshing addresses.
 */
describe('servers on networks (fake driver, nova-network beside)', () => {
  let net: NetworkHarness;
  let cloud: Cloud;
  let alice: ApiClient;
  let privateNet: Json;
  let otherNet: Json;
  let tinyNet: Json;
  before(async () => {
    // Neutron's nova notifier, pointed at the cloud once it listens (noauth2: [nova] endpoint_override).
    let send: SendNovaEvents = async () => {};
    net = await startNetworkApi({ neutron_server: { send_events_interval: '0' } }, undefined, (events) => send(events));
    const url = await net.listen();
    privateNet = await net.create('networks', 'network', { name: 'private' });
    await net.create('subnets', 'subnet', { network_id: privateNet.id, cidr: '10.0.0.0/24', ip_version: 4 });
    cloud = await startCloud({ computes: ['host1'], overrides: { neutron: { endpoint_override: url } } });
    alice = new ApiClient(cloud.url, ALICE, '2.37');
    const toNova = novaEventsFromConfig(loadConfig({ overrides: { api: { auth_strategy: 'noauth2' }, nova: { endpoint_override: `${cloud.url}/v2.1` } } }), silentLogger());
    if (toNova) send = toNova;
  });
  after(async () => {
    await cloud?.stop();
    await net?.close();
  });

  const portsOf = async (serverId: string): Promise<Json[]> => (await net.call('GET', `/v2.0/ports?device_id=${serverId}`, undefined, 'admin:admin')).body.ports as Json[];

  it("boots on the project's only network with networks 'auto' and shows its address", async () => {
    const id = await alice.boot('vm-auto', { networks: 'auto' });
    const s = await alice.waitFor(id, ['ACTIVE']);
    const [port] = await portsOf(id);
    assert.ok(port, 'a port for the server');
    assert.equal(port.device_owner, 'compute:nova');
    assert.equal(port['binding:host_id'], 'host1');
    assert.equal(port.tenant_id, 'projA');
    const ip = port.fixed_ips[0].ip_address as string;
    assert.deepEqual(s.addresses, { private: [{ version: 4, addr: ip, 'OS-EXT-IPS:type': 'fixed', 'OS-EXT-IPS-MAC:mac_addr': port.mac_address }] });
    const list = await alice.get<{ servers: Json[] }>(`/servers/detail?ip=${ip.replace(/\./g, '\\.')}$`);
    assert.deepEqual(
      list.body.servers.map((x) => x.id),
      [id],
    );
    assert.deepEqual((await alice.get<{ servers: Json[] }>('/servers?ip=192.168.')).body.servers, []);
    assert.deepEqual((await alice.get(`/servers/${id}/ips`)).body, { addresses: { private: [{ version: 4, addr: ip }] } });
    assert.equal((await alice.delete(`/servers/${id}`)).status, 204);
    await alice.waitGone(id);
    assert.deepEqual(await portsOf(id), [], 'the port nova created is deleted');
  });

  it("refuses unknown networks, ports in use, unknown security groups and an ambiguous 'auto'", async () => {
    const missing = '3cb9bc59-5699-4588-a4b1-b87f96708bc6';
    let r = await alice.post<Json>('/servers', { server: { name: 'x', imageRef: 'cirros', flavorRef: '1', networks: [{ uuid: missing }] } });
    assert.equal(r.status, 400);
    assert.equal(r.body.badRequest.message, `Network ${missing} could not be found.`);
    r = await alice.post<Json>('/servers', { server: { name: 'x', imageRef: 'cirros', flavorRef: '1', networks: [{ port: missing }] } });
    assert.equal(r.status, 400);
    assert.equal(r.body.badRequest.message, `Port id ${missing} could not be found.`);
    const used = await net.create('ports', 'port', { network_id: privateNet.id, device_id: 'someone-else', device_owner: 'compute:nova' });
    r = await alice.post<Json>('/servers', { server: { name: 'x', imageRef: 'cirros', flavorRef: '1', networks: [{ port: used.id }] } });
    assert.equal(r.status, 409);
    assert.equal(r.body.conflictingRequest.message, `Port ${used.id} is still in use.`);
    r = await alice.post<Json>('/servers', {
      server: { name: 'x', imageRef: 'cirros', flavorRef: '1', networks: [{ uuid: privateNet.id }], security_groups: [{ name: 'nope' }] },
    });
    assert.equal(r.status, 400);
    assert.equal(r.body.badRequest.message, "Unable to find security_group with name or id 'nope'");
    otherNet = await net.create('networks', 'network', { name: 'other' });
    await net.create('subnets', 'subnet', { network_id: otherNet.id, cidr: '10.1.0.0/24', ip_version: 4 });
    r = await alice.post<Json>('/servers', { server: { name: 'x', imageRef: 'cirros', flavorRef: '1', networks: 'auto' } });
    assert.equal(r.status, 409);
    assert.equal(r.body.conflictingRequest.message, 'Multiple possible networks found, use a Network ID to be more specific.');
    const bob = alice.as('bob:projB');
    r = await bob.post<Json>('/servers', { server: { name: 'x', imageRef: 'cirros', flavorRef: '1', networks: 'auto' } });
    assert.equal(r.status, 400);
    assert.equal(r.body.badRequest.message, 'Unable to automatically allocate a network for project projB');
    const none = await bob.boot('vm-none', { networks: 'none' });
    const s = await bob.waitFor(none, ['ACTIVE']);
    assert.deepEqual(s.addresses, {});
    await bob.delete(`/servers/${none}`);
  });

  it('boots on a given port and fixed IP with a security group; delete unbinds the given port', async () => {
    const sg = await net.create('security-groups', 'security_group', { name: 'web' });
    const port = await net.create('ports', 'port', { network_id: otherNet.id });
    const id = await alice.boot('vm-ports', {
      networks: [{ port: port.id }, { uuid: privateNet.id, fixed_ip: '10.0.0.77' }],
      security_groups: [{ name: 'web' }],
    });
    const s = await alice.waitFor(id, ['ACTIVE']);
    const addrs = s.addresses as Record<string, Json[]>;
    assert.deepEqual(Object.keys(addrs), ['other', 'private']);
    assert.equal(addrs.private?.[0]?.addr, '10.0.0.77');
    const ports = await portsOf(id);
    assert.equal(ports.length, 2);
    const created = ports.find((p) => p.id !== port.id);
    assert.deepEqual(created?.security_groups, [sg.id]);
    await alice.delete(`/servers/${id}`);
    await alice.waitGone(id);
    const after = await net.call('GET', `/v2.0/ports/${port.id}`, undefined, 'admin:admin');
    assert.equal(after.status, 200, 'the given port is kept');
    assert.equal(after.body.port.device_id, '');
    assert.equal(after.body.port['binding:host_id'], '');
    assert.equal((await net.call('GET', `/v2.0/ports/${created?.id}`, undefined, 'admin:admin')).status, 404);
  });

  it('puts a server whose port cannot be had in ERROR with the reason', async () => {
    tinyNet = await net.create('networks', 'network', { name: 'tiny' });
    await net.create('subnets', 'subnet', { network_id: tinyNet.id, cidr: '10.9.0.0/30', ip_version: 4 });
    const first = await alice.boot('vm-tiny-1', { networks: [{ uuid: tinyNet.id }] });
    await alice.waitFor(first, ['ACTIVE']);
    const second = await alice.boot('vm-tiny-2', { networks: [{ uuid: tinyNet.id }] });
    const s = await alice.waitFor(second, ['ERROR']);
    const fault = s.fault as Json | undefined;
    assert.match(String(fault?.message), new RegExp(`^Build of instance ${second} aborted: No more IP addresses available on network ${tinyNet.id}`));
    assert.deepEqual(await portsOf(second), []);
    for (const id of [first, second]) await alice.delete(`/servers/${id}`);
    for (const id of [first, second]) await alice.waitGone(id);
  });

  it('shows a floating IP once the network service tells nova (network-changed) and drops it on disassociation', async () => {
    const ext = await net.create('networks', 'network', { name: 'public', 'router:external': true }, ADMIN);
    await net.create('subnets', 'subnet', { network_id: ext.id, ip_version: 4, cidr: '198.51.100.0/24', enable_dhcp: false }, ADMIN);
    const router = await net.create('routers', 'router', { name: 'r', external_gateway_info: { network_id: ext.id } });
    const [sub] = (await net.call('GET', `/v2.0/subnets?network_id=${privateNet.id}`, undefined, ADMIN)).body.subnets as Json[];
    assert.equal((await net.call('PUT', `/v2.0/routers/${router.id}/add_router_interface`, { subnet_id: sub?.id })).status, 200);
    const id = await alice.boot('vm-fip', { networks: [{ uuid: privateNet.id }] });
    await alice.waitFor(id, ['ACTIVE']);
    const [port] = await portsOf(id);
    const fip = await net.create('floatingips', 'floatingip', { floating_network_id: ext.id, port_id: port?.id });
    const entries = async () => ((await alice.server(id)).addresses as Record<string, Json[]>).private ?? [];
    await until(async () => (await entries()).length === 2, 10_000, 'the floating IP in addresses', 50);
    const floating = (await entries())[1];
    assert.deepEqual(floating, { version: 4, addr: fip.floating_ip_address, 'OS-EXT-IPS:type': 'floating', 'OS-EXT-IPS-MAC:mac_addr': port?.mac_address });
    assert.equal((await net.call('PUT', `/v2.0/floatingips/${fip.id}`, { floatingip: { port_id: null } })).status, 200);
    await until(async () => (await entries()).length === 1, 10_000, 'the floating IP gone from addresses', 50);
    await alice.delete(`/servers/${id}`);
    await alice.waitGone(id);
  });
});
