import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { mysqlSkip, openstackSkip, rabbitSkip } from '../support/backends.ts';
import { type KeystoneCluster, startKeystoneCluster } from '../support/keystone-cluster.ts';
import { runProgram } from '../support/procs.ts';

type Json = Record<string, unknown>;

/**
 * openstacksdk's cloud layer and the plain `openstack availability zone
 * list` against a cloud of separate processes with Keystone (MariaDB,
 * RabbitMQ, the fake driver) and nova-network as its own process, wired as
 * a deployment wires them: nova's [neutron] user for the ports, the network
 * service's [nova] user for its events (network-changed after a floating
 * IP's association refreshes the server's addresses).
 * `conn.create_server(..., wait=True, auto_ip=False)` on a network returns
 * a server with `private_v4` (auto_ip is the sdk's default); with `auto_ip=True` behind a router to an external network
 * the sdk allocates and associates a floating IP and returns the server
 * with it as `public_v4` once Nova shows it in the addresses.
 */
describe('openstacksdk create_server against nova-network', () => {
  let skip: string | undefined;
  let cloud: KeystoneCluster;
  before(async () => {
    skip = (await openstackSkip()) ?? (await mysqlSkip()) ?? (await rabbitSkip());
    if (skip) return;
    cloud = await startKeystoneCluster({ network: true });
  });
  after(async () => {
    await cloud?.stop();
  });

  async function os(args: string[], env = cloud.adminEnv): Promise<string> {
    const r = await runProgram('openstack', args, env);
    assert.equal(r.code, 0, `openstack ${args.join(' ')}\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  }
  const osJson = async <T = Json>(args: string[]): Promise<T> => JSON.parse(await os([...args, '-f', 'json'])) as T;

  it('availability zone list (compute, volume and network) works without a volume service', async (t) => {
    if (skip) return t.skip(skip);
    // OSC asks the volume service too and skips it when the catalog has none (a debug log, no error).
    const plain = await osJson<Json[]>(['availability', 'zone', 'list']);
    assert.ok(
      plain.some((z) => z['Zone Name'] === 'nova' && z['Zone Status'] === 'available'),
      JSON.stringify(plain),
    );
    const zones = await osJson<Json[]>(['availability', 'zone', 'list', '--long']);
    const kinds = zones.map((z) => `${z['Zone Name']}/${z['Zone Resource'] ?? ''}`);
    assert.ok(
      zones.some((z) => z['Zone Name'] === 'nova' && z['Zone Status'] === 'available' && z['Host Name'] === 'compute-1'),
      JSON.stringify(zones),
    );
    assert.ok(kinds.includes('nova/network') && kinds.includes('nova/router'), JSON.stringify(zones));
  });

  it('create_server(wait=True) gives private_v4; with auto_ip=True a floating IP as public_v4', async (t) => {
    if (skip) return t.skip(skip);
    const file = path.join(cloud.dir, 'disk.img');
    fs.writeFileSync(file, Buffer.alloc(1024, 1));
    await os(['image', 'create', '--file', file, '--disk-format', 'qcow2', '--container-format', 'bare', '--public', 'cirros']);
    await os(['network', 'create', '--external', '--provider-network-type', 'flat', '--provider-physical-network', 'public', 'public']);
    await os(['subnet', 'create', '--network', 'public', '--subnet-range', '203.0.113.0/24', '--no-dhcp', 'public-v4']);
    await os(['network', 'create', 'private']);
    await os(['subnet', 'create', '--network', 'private', '--subnet-range', '10.30.0.0/24', 'private-v4']);
    await os(['router', 'create', 'r1']);
    await os(['router', 'set', '--external-gateway', 'public', 'r1']);
    await os(['router', 'add', 'subnet', 'r1', 'private-v4']);

    const script = `
import json, openstack
conn = openstack.connect()
plain = conn.create_server('sdk-plain', image='cirros', flavor='m1.tiny', network='private', wait=True, auto_ip=False, timeout=60)
fip_vm = conn.create_server('sdk-fip', image='cirros', flavor='m1.tiny', network='private', wait=True, auto_ip=True, timeout=60)
fips = [dict(ip=f.floating_ip_address, port=f.port_id, fixed=f.fixed_ip_address) for f in conn.network.ips()]
ports = {p.id: p.device_id for p in conn.network.ports()}
print(json.dumps({
  'plain': dict(status=plain.status, private_v4=plain.private_v4, public_v4=plain.public_v4, interface_ip=plain.interface_ip, id=plain.id),
  'fip': dict(status=fip_vm.status, private_v4=fip_vm.private_v4, public_v4=fip_vm.public_v4, interface_ip=fip_vm.interface_ip, id=fip_vm.id,
              addresses=fip_vm.addresses),
  'fips': [dict(f, device=ports.get(f['port'])) for f in fips],
}))
conn.delete_server(plain.id, wait=True, timeout=60)
# By id: found by name, the server comes from GET /servers (no addresses), so the sdk would see no floating IP to delete.
conn.delete_server(fip_vm.id, wait=True, delete_ips=True, timeout=60)
print(json.dumps({'left': [s.name for s in conn.compute.servers()], 'fips_left': [f.floating_ip_address for f in conn.network.ips()]}))
`;
    const r = await runProgram('/usr/bin/python3', ['-c', script], cloud.adminEnv);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    const [first, second] = r.stdout
      .trim()
      .split('\n')
      .slice(-2)
      .map((l) => JSON.parse(l) as Json) as [Json, Json];
    const plain = first.plain as Json;
    const fipVm = first.fip as Json;
    assert.equal(plain.status, 'ACTIVE');
    assert.match(String(plain.private_v4), /^10\.30\.0\.\d+$/);
    // interface_ip is a public address unless the cloud is configured private (sdk's meta._get_interface_ip).
    assert.equal(plain.public_v4, '', `no floating IP without auto_ip: ${JSON.stringify(plain)}`);
    assert.equal(fipVm.status, 'ACTIVE');
    assert.match(String(fipVm.private_v4), /^10\.30\.0\.\d+$/);
    assert.match(String(fipVm.public_v4), /^203\.0\.113\.\d+$/, JSON.stringify(fipVm));
    assert.equal(fipVm.interface_ip, fipVm.public_v4);
    const addrs = (fipVm.addresses as Record<string, Json[]>).private ?? [];
    assert.ok(
      addrs.some((a) => a.addr === fipVm.public_v4 && a['OS-EXT-IPS:type'] === 'floating'),
      JSON.stringify(addrs),
    );
    // The floating IP exists in the network service, on the server's port.
    const fips = first.fips as Json[];
    assert.deepEqual(fips, [{ ip: fipVm.public_v4, fixed: fipVm.private_v4, port: fips[0]?.port, device: fipVm.id }]);
    assert.deepEqual(second, { left: [], fips_left: [] });
    // The addresses came from nova's cache refreshed on the network service's events, sent across processes.
    const network = cloud.daemons.find((d) => d.name === 'network');
    assert.ok(
      network?.output.some((l) => /Nova event response/.test(l) && l.includes('network-changed') && l.includes(String(fipVm.id))),
      network?.tail(),
    );
  });
});
