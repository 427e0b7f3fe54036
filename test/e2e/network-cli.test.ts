import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { mysqlSkip, openstackSkip, rabbitSkip } from '../support/backends.ts';
import { ADMIN_PASSWORD, type KeystoneCluster, startKeystoneCluster } from '../support/keystone-cluster.ts';
import { type Binary, Daemon, freePort, run, runProgram } from '../support/procs.ts';

type Json = Record<string, unknown>;

/**
 * The unmodified `openstack` client and openstacksdk against nova-network
 * as its own process, in a cloud of separate processes with Keystone
 * tokens (MariaDB, RabbitMQ): networks, subnets, ports, security groups,
 * routers, floating IPs, extensions, availability zones (Nova's and the
 * network's) and the network part of quota show.
 */
describe('the openstack client against nova-network', () => {
  let skip: string | undefined;
  let cloud: KeystoneCluster;
  let network: Daemon | undefined;
  let networkUrl = '';
  before(async () => {
    skip = (await openstackSkip()) ?? (await mysqlSkip()) ?? (await rabbitSkip());
    if (skip) return;
    const port = await freePort();
    networkUrl = `http://127.0.0.1:${port}`;
    cloud = await startKeystoneCluster({ conf: { neutron_server: { bind_host: '127.0.0.1', bind_port: port } } });
    // The cluster's bootstrap registers no network endpoint; add it (bootstrap is idempotent; same passwords).
    const boot = await run('nova-manage', [
      '--config-file',
      cloud.confFile,
      'bootstrap',
      '--bootstrap-password',
      ADMIN_PASSWORD,
      '--service-password',
      'service-secret',
      '--compute-url',
      cloud.computeUrl,
      '--identity-url',
      cloud.identityUrl,
      '--image-url',
      cloud.imageUrl,
      '--network-url',
      networkUrl,
    ]);
    assert.equal(boot.code, 0, boot.stderr);
    network = new Daemon('network', 'nova-network' as Binary, ['--config-file', cloud.confFile]);
    await network.waitFor(/Network API listening/, 60_000);
  });
  after(async () => {
    await network?.stop();
    await cloud?.stop();
  });

  async function os(args: string[], env = cloud.adminEnv, expectOk = true): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const r = await runProgram('openstack', args, env);
    if (expectOk) assert.equal(r.code, 0, `openstack ${args.join(' ')}\n${r.stdout}\n${r.stderr}`);
    return r;
  }
  const osJson = async <T = Json>(args: string[], env = cloud.adminEnv): Promise<T> => JSON.parse((await os([...args, '-f', 'json'], env)).stdout) as T;

  it('runs a network session with the openstack client', async (t) => {
    if (skip) return t.skip(skip);
    const ext = await osJson<Json>(['network', 'create', '--external', '--provider-network-type', 'flat', '--provider-physical-network', 'public', 'public']);
    assert.equal(ext['router:external'], true);
    assert.equal(ext['provider:network_type'] ?? ext.provider_network_type, 'flat', JSON.stringify(ext));
    await os(['subnet', 'create', '--network', 'public', '--subnet-range', '203.0.113.0/24', '--no-dhcp', 'public-v4']);
    const net = await osJson<Json>(['network', 'create', 'private']);
    assert.equal(net.status, 'ACTIVE');
    assert.equal(net.mtu, 1450);
    const sub = await osJson<Json>(['subnet', 'create', '--network', 'private', '--subnet-range', '10.10.0.0/24', '--dns-nameserver', '192.0.2.53', 'private-v4']);
    assert.equal(sub.gateway_ip, '10.10.0.1');
    assert.deepEqual(sub.allocation_pools, [{ start: '10.10.0.2', end: '10.10.0.254' }]);
    await os(['subnet', 'create', '--network', 'private', '--ip-version', '6', '--subnet-range', 'fd00:10::/64', 'private-v6']);

    const port = await osJson<Json>(['port', 'create', '--network', 'private', 'p1']);
    assert.match(String(port.mac_address), /^fa:16:3e(:[0-9a-f]{2}){3}$/);
    const ips = port.fixed_ips as { ip_address: string }[];
    assert.deepEqual(ips.map((f) => f.ip_address).sort(), ['10.10.0.2', 'fd00:10::2'].sort());
    const ports = await osJson<Json[]>(['port', 'list', '--network', 'private']);
    assert.deepEqual(
      ports.map((p) => p.Name),
      ['p1'],
    );
    const shown = await osJson<Json>(['port', 'show', 'p1']);
    assert.equal(shown.id, port.id);
    assert.equal((shown.security_group_ids as string[]).length, 1);

    const sg = await osJson<Json>(['security', 'group', 'create', 'web']);
    assert.equal(sg.name, 'web');
    const rule = await osJson<Json>(['security', 'group', 'rule', 'create', '--protocol', 'tcp', '--dst-port', '80', '--ingress', 'web']);
    assert.equal(rule.port_range_min, 80);
    const rules = await osJson<Json[]>(['security', 'group', 'rule', 'list', 'web']);
    assert.equal(rules.length, 3);
    const groups = await osJson<Json[]>(['security', 'group', 'list']);
    assert.deepEqual(groups.map((g) => g.Name).sort(), ['default', 'web']);

    await os(['router', 'create', 'r1']);
    await os(['router', 'set', '--external-gateway', 'public', 'r1']);
    await os(['router', 'add', 'subnet', 'r1', 'private-v4']);
    const router = await osJson<Json>(['router', 'show', 'r1']);
    assert.equal((router.external_gateway_info as { network_id: string }).network_id, ext.id);

    const fip = await osJson<Json>(['floating', 'ip', 'create', 'public']);
    assert.match(String(fip.floating_ip_address), /^203\.0\.113\.\d+$/);
    await os(['floating', 'ip', 'set', '--port', 'p1', String(fip.floating_ip_address)]);
    const fshown = await osJson<Json>(['floating', 'ip', 'show', String(fip.floating_ip_address)]);
    assert.equal(fshown.port_id, port.id);
    assert.equal(fshown.fixed_ip_address, '10.10.0.2');

    const external = await osJson<Json[]>(['network', 'list', '--external']);
    assert.deepEqual(
      external.map((n) => n.Name),
      ['public'],
    );
    const exts = await osJson<Json[]>(['extension', 'list', '--network']);
    assert.ok(exts.some((e) => e.Alias === 'router') && exts.some((e) => e.Alias === 'availability_zone'));
    const zones = await osJson<Json[]>(['availability', 'zone', 'list']);
    assert.ok(zones.some((z) => z['Zone Name'] === 'nova' && z['Zone Status'] === 'available'));
    const netZones = await osJson<Json[]>(['availability', 'zone', 'list', '--network', '--long']);
    assert.deepEqual(netZones.map((z) => z['Zone Resource']).sort(), ['network', 'router']);
    const quota = await osJson<Json>(['quota', 'show']);
    assert.equal(quota.networks, 100);
    assert.equal(quota.ports, 500);
    assert.equal(quota['secgroup-rules'] ?? quota.security_group_rules, 100);

    await os(['floating', 'ip', 'delete', String(fip.floating_ip_address)]);
    await os(['router', 'remove', 'subnet', 'r1', 'private-v4']);
    await os(['router', 'delete', 'r1']);
    await os(['port', 'delete', 'p1']);
    assert.deepEqual(await osJson<Json[]>(['port', 'list', '--network', 'private']), []);
  });

  it("openstacksdk's conn.network basics", async (t) => {
    if (skip) return t.skip(skip);
    const script = `
import json, openstack
conn = openstack.connect()
net = conn.network.create_network(name='sdk-net')
sub = conn.network.create_subnet(network_id=net.id, ip_version=4, cidr='10.20.0.0/24')
port = conn.network.create_port(network_id=net.id)
found = conn.network.find_network('sdk-net')
names = [n.name for n in conn.network.networks()]
ports = [p.id for p in conn.network.ports(network_id=net.id)]
conn.network.delete_port(port)
conn.network.delete_subnet(sub)
conn.network.delete_network(net)
print(json.dumps({'found': found.id == net.id, 'names': names, 'ports': ports == [port.id], 'ip': port.fixed_ips[0]['ip_address'], 'gone': conn.network.find_network('sdk-net') is None}))
`;
    const r = await runProgram('/usr/bin/python3', ['-c', script], cloud.adminEnv);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as Json;
    assert.equal(out.found, true);
    assert.ok((out.names as string[]).includes('sdk-net'));
    assert.equal(out.ports, true);
    assert.equal(out.ip, '10.20.0.2');
    assert.equal(out.gone, true);
  });
});
