/**
 * The L3 agent on a network node that is a network namespace: a router
 * between a VXLAN network (a guest on a compute host) and a flat external
 * network on the node's `ext0`, whose other end is an "external" namespace
 * (the upstream gateway, with no route to the private network). The guest
 * reaches it through SNAT; it reaches the guest by a floating IP (ping and
 * TCP) until the floating IP is disassociated. Needs root, iproute2,
 * nftables, busybox and RabbitMQ.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { REQUIRE, rabbitSkip } from '../support/backends.ts';
import { NsProcess, netnsSkip, sh } from '../support/netns.ts';
import { type Guest, type NetworkLab, startNetworkLab } from '../support/netns-network.ts';
import { until } from '../support/procs.ts';

async function programsSkip(): Promise<string | undefined> {
  for (const p of ['nft', 'busybox']) {
    if ((await sh('sh', ['-c', `command -v ${p}`], { allowFailure: true })).code === 0) continue;
    if (REQUIRE) throw new Error(`${p} is missing, and NOVA_TEST_REQUIRE_BACKENDS=1 forbids skipping`);
    return `SKIPPED: ${p} is not installed`;
  }
  return undefined;
}

const skip = (await netnsSkip()) ?? (await rabbitSkip()) ?? (await programsSkip());

type Doc = Record<string, unknown> & { id: string };
const ipOf = (p: Doc) => ((p.fixed_ips as { ip_address: string }[])[0] as { ip_address: string }).ip_address;
const EXT_GW = '203.0.113.1';

describe('nova-network-agent: L3', { skip }, () => {
  let lab: NetworkLab;
  let router: Doc;
  let port: Doc;
  let fip: Doc;
  let guest: Guest;
  let ext: string;
  const inExt = (cmd: string, args: string[]) => sh('ip', ['netns', 'exec', ext, cmd, ...args], { allowFailure: true, timeoutMs: 10_000 });
  before(async () => {
    lab = await startNetworkLab(
      [
        { host: 'netnode', roles: ['bridge', 'l3'] },
        { host: 'compute1', roles: ['bridge'] },
      ],
      { linux_bridge: { physical_interface_mappings: 'physnet1:ext0' } },
    );
    const node = lab.hosts[0]?.ns ?? '';
    ext = `${node}-ext`;
    lab.forget(ext);
    await sh('ip', ['netns', 'add', ext]);
    await sh('ip', ['-n', node, 'link', 'add', 'ext0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ext]);
    await sh('ip', ['-n', ext, 'link', 'set', 'lo', 'up']);
    await sh('ip', ['-n', ext, 'link', 'set', 'eth0', 'up']);
    await sh('ip', ['-n', ext, 'addr', 'add', `${EXT_GW}/24`, 'dev', 'eth0']);

    const pub = (
      await lab.api('POST', '/v2.0/networks', {
        network: { name: 'public', 'router:external': true, 'provider:network_type': 'flat', 'provider:physical_network': 'physnet1' },
      })
    ).body.network as Doc;
    let r = await lab.api('POST', '/v2.0/subnets', { subnet: { network_id: pub.id, cidr: '203.0.113.0/24', gateway_ip: EXT_GW, ip_version: 4, enable_dhcp: false } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const net = (await lab.api('POST', '/v2.0/networks', { network: { name: 'private', project_id: 'p1' } })).body.network as Doc;
    r = await lab.api('POST', '/v2.0/subnets', { subnet: { network_id: net.id, cidr: '10.196.0.0/24', ip_version: 4, enable_dhcp: false, project_id: 'p1' } });
    const subnet = r.body.subnet as Doc;
    r = await lab.api('POST', '/v2.0/routers', { router: { name: 'r1', project_id: 'p1', external_gateway_info: { network_id: pub.id } } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    router = r.body.router as Doc;
    lab.forget(`qrouter-${router.id}`);
    r = await lab.api('PUT', `/v2.0/routers/${router.id}/add_router_interface`, { subnet_id: subnet.id });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const group = (await lab.api('POST', '/v2.0/security-groups', { security_group: { name: 'public', project_id: 'p1' } })).body.security_group as Doc;
    for (const rule of [{ protocol: 'icmp' }, { protocol: 'tcp', port_range_min: 8080, port_range_max: 8080 }])
      await lab.api('POST', '/v2.0/security-group-rules', { security_group_rule: { security_group_id: group.id, direction: 'ingress', ethertype: 'IPv4', ...rule } });
    r = await lab.api('POST', '/v2.0/ports', { port: { network_id: net.id, 'binding:host_id': 'compute1', project_id: 'p1', security_groups: [group.id] } });
    port = r.body.port as Doc;
    guest = await lab.guest(1, port as { id: string; mac_address: string });
    await guest.exec('ip', ['addr', 'add', `${ipOf(port)}/24`, 'dev', 'eth0']);
    await guest.exec('ip', ['route', 'add', 'default', 'via', String(subnet.gateway_ip)]);
    new NsProcess('listener', guest.ns, 'busybox', ['nc', '-ll', '-p', '8080', '-e', 'echo', 'hello'], { cleanupSignal: 'SIGKILL' });
  });
  after(() => lab?.stop());

  it('builds the router namespace with its interfaces, forwarding and default route', async () => {
    const ns = `qrouter-${router.id}`;
    await until(async () => (await sh('ip', ['-n', ns, 'route', 'show', 'default'], { allowFailure: true })).stdout.includes(`via ${EXT_GW}`), 30_000, 'router default route');
    const addrs = (await sh('ip', ['-n', ns, '-br', 'addr'])).stdout;
    assert.match(addrs, /^qr-\S+\s+UP\s+10\.196\.0\.1\/24/m);
    assert.match(addrs, /^qg-\S+\s+UP\s+203\.0\.113\.\d+\/24/m);
    assert.equal((await sh('ip', ['netns', 'exec', ns, 'sysctl', '-n', 'net.ipv4.ip_forward'])).stdout.trim(), '1');
  });

  it('the guest reaches the external network through SNAT', async () => {
    await until(async () => (await guest.exec('busybox', ['ping', '-c', '1', '-W', '1', EXT_GW], { allowFailure: true })).code === 0, 30_000, 'guest pings the external gateway');
  });

  it('the external network reaches the guest by its floating IP until it is disassociated', async () => {
    const r = await lab.api('POST', '/v2.0/floatingips', {
      floatingip: { floating_network_id: (router.external_gateway_info as Doc).network_id, port_id: port.id, project_id: 'p1' },
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    fip = r.body.floatingip as Doc;
    const addr = String(fip.floating_ip_address);
    const ping = async () => (await inExt('busybox', ['ping', '-c', '1', '-W', '1', addr])).code === 0;
    await until(ping, 30_000, 'external pings the floating IP');
    assert.match((await inExt('busybox', ['nc', '-w', '2', addr, '8080'])).stdout, /hello/);
    assert.equal((await lab.api('PUT', `/v2.0/floatingips/${fip.id}`, { floatingip: { port_id: null } })).status, 200);
    await until(async () => !(await ping()), 30_000, 'floating IP cut off');
    for (let i = 0; i < 2; i++) assert.equal(await ping(), false);
  });

  it('removes the router namespace once the router is gone', async () => {
    await lab.api('PUT', `/v2.0/routers/${router.id}/remove_router_interface`, { subnet_id: (port.fixed_ips as { subnet_id: string }[])[0]?.subnet_id });
    await lab.api('PUT', `/v2.0/routers/${router.id}`, { router: { external_gateway_info: {} } });
    const d = await lab.api('DELETE', `/v2.0/routers/${router.id}`);
    assert.equal(d.status, 204, JSON.stringify(d.body));
    await until(async () => !(await sh('ip', ['netns', 'list'])).stdout.includes(`qrouter-${router.id}`), 30_000, 'qrouter namespace removed');
  });
});
