/**
 * Security groups in nftables on hosts that are network namespaces: two
 * guests of one group on two compute hosts (VXLAN), a TCP listener (busybox
 * nc) in one. Closed by default, opened by a rule and closed again when the
 * rule goes; a rule by remote group lets the members ping; a spoofed
 * source is dropped; without port security nothing is filtered. Needs
 * root, iproute2, nftables, busybox and RabbitMQ.
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

describe('nova-network-agent: security groups', { skip }, () => {
  let lab: NetworkLab;
  let group: Doc;
  const ports: Doc[] = [];
  let g1: Guest;
  let g2: Guest;
  before(async () => {
    lab = await startNetworkLab([
      { host: 'compute1', roles: ['bridge'] },
      { host: 'compute2', roles: ['bridge'] },
    ]);
    const net = (await lab.api('POST', '/v2.0/networks', { network: { name: 'private', project_id: 'p1' } })).body.network as Doc;
    await lab.api('POST', '/v2.0/subnets', { subnet: { network_id: net.id, cidr: '10.197.0.0/24', ip_version: 4, enable_dhcp: false, project_id: 'p1' } });
    // A new group: egress anywhere, no ingress.
    group = (await lab.api('POST', '/v2.0/security-groups', { security_group: { name: 'web', project_id: 'p1' } })).body.security_group as Doc;
    for (const host of ['compute1', 'compute2']) {
      const r = await lab.api('POST', '/v2.0/ports', { port: { network_id: net.id, 'binding:host_id': host, project_id: 'p1', security_groups: [group.id] } });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      ports.push(r.body.port as Doc);
    }
    const [p1, p2] = ports as [Doc, Doc];
    g1 = await lab.guest(0, p1 as { id: string; mac_address: string });
    g2 = await lab.guest(1, p2 as { id: string; mac_address: string });
    await g1.exec('ip', ['addr', 'add', `${ipOf(p1)}/24`, 'dev', 'eth0']);
    await g2.exec('ip', ['addr', 'add', `${ipOf(p2)}/24`, 'dev', 'eth0']);
    new NsProcess('listener', g1.ns, 'busybox', ['nc', '-ll', '-p', '8080', '-e', 'echo', 'hello'], { cleanupSignal: 'SIGKILL' });
  });
  after(() => lab?.stop());

  const connect = async () => (await g2.exec('busybox', ['nc', '-w', '2', ipOf(ports[0] as Doc), '8080'], { allowFailure: true, timeoutMs: 10_000 })).stdout.includes('hello');
  const ping = async (from?: string) =>
    (await g2.exec('busybox', ['ping', '-c', '1', '-W', '1', ...(from ? ['-I', from] : []), ipOf(ports[0] as Doc)], { allowFailure: true })).code === 0;
  const addRule = async (rule: Record<string, unknown>) => {
    const r = await lab.api('POST', '/v2.0/security-group-rules', { security_group_rule: { security_group_id: group.id, direction: 'ingress', ethertype: 'IPv4', ...rule } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body.security_group_rule as Doc;
  };
  const never = async (probe: () => Promise<boolean>, what: string) => {
    for (let i = 0; i < 3; i++) assert.equal(await probe(), false, what);
  };

  it('writes one inet and one bridge table per host', async () => {
    for (const h of lab.hosts) {
      await until(
        async () => (await sh('ip', ['netns', 'exec', h.ns, 'nft', 'list', 'tables'], { allowFailure: true })).stdout.includes('inet nova-sg'),
        20_000,
        `nova-sg on ${h.host}`,
      );
      const tables = (await sh('ip', ['netns', 'exec', h.ns, 'nft', 'list', 'tables'])).stdout;
      assert.match(tables, /table bridge nova-sg/);
    }
  });

  it('closes ingress by default, opens a port for its rule, closes it when the rule goes', async () => {
    await never(connect, 'port 8080 closed without a rule');
    const rule = await addRule({ protocol: 'tcp', port_range_min: 8080, port_range_max: 8080, remote_ip_prefix: '10.197.0.0/24' });
    // Egress from the client and the replies (established) pass.
    await until(connect, 20_000, 'port 8080 open after the rule');
    await never(ping, 'ICMP still closed');
    assert.equal((await lab.api('DELETE', `/v2.0/security-group-rules/${rule.id}`)).status, 204);
    await until(async () => !(await connect()), 20_000, 'port 8080 closed after the rule went');
  });

  it('lets group members in by remote group; drops a spoofed source', async () => {
    await addRule({ protocol: 'icmp', remote_group_id: group.id });
    await until(() => ping(), 20_000, 'guest 2 pings guest 1 as a member of the group');
    // A source the port does not own but the rules let in, whose reply would go to guest 2 (static neighbour): only anti-spoofing stops it.
    await addRule({ protocol: 'icmp', remote_ip_prefix: '10.197.0.0/24' });
    await g2.exec('ip', ['addr', 'add', '10.197.0.250/24', 'dev', 'eth0']);
    const mac = String((ports[1] as Doc).mac_address);
    await g1.exec('ip', ['neigh', 'replace', '10.197.0.250', 'lladdr', mac, 'dev', 'eth0']);
    await never(() => ping('10.197.0.250'), 'spoofed source dropped');
    assert.equal(await ping(), true);
  });

  it('does not filter a port without port security', async () => {
    const r = await lab.api('PUT', `/v2.0/ports/${(ports[0] as Doc).id}`, { port: { port_security_enabled: false, security_groups: [] } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    await until(connect, 20_000, 'port 8080 open without port security');
  });
});
