/**
 * The network service's dataplane with real agents on hosts that are
 * network namespaces: a network node and two compute hosts, guests as
 * namespaces plugged like VMs. Needs root, iproute2 and RabbitMQ.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { rabbitSkip } from '../support/backends.ts';
import { netnsSkip, sh } from '../support/netns.ts';
import { type NetworkLab, startNetworkLab } from '../support/netns-network.ts';
import { until } from '../support/procs.ts';

const skip = (await netnsSkip()) ?? (await rabbitSkip());

type Doc = Record<string, unknown> & { id: string };

describe('nova-network-agent: bridges and VXLAN', { skip }, () => {
  let lab: NetworkLab;
  let net: Doc;
  const ports: Doc[] = [];
  before(async () => {
    lab = await startNetworkLab([
      { host: 'netnode', roles: ['bridge'] },
      { host: 'compute1', roles: ['bridge'] },
      { host: 'compute2', roles: ['bridge'] },
    ]);
    net = (await lab.api('POST', '/v2.0/networks', { network: { name: 'private', project_id: 'p1' } })).body.network as Doc;
    await lab.api('POST', '/v2.0/subnets', { subnet: { network_id: net.id, cidr: '10.199.0.0/24', ip_version: 4, enable_dhcp: false, project_id: 'p1' } });
    for (const host of ['compute1', 'compute2']) {
      const r = await lab.api('POST', '/v2.0/ports', { port: { network_id: net.id, 'binding:host_id': host, project_id: 'p1', port_security_enabled: false } });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      ports.push(r.body.port as Doc);
    }
  });
  after(() => lab?.stop());

  const ipOf = (p: Doc) => ((p.fixed_ips as { ip_address: string }[])[0] as { ip_address: string }).ip_address;

  it('lists every agent as a Linux bridge agent, alive, with its tunnel endpoint', async () => {
    const r = await lab.api('GET', '/v2.0/agents');
    const agents = r.body.agents as Doc[];
    assert.deepEqual(agents.map((a) => a.host).sort(), ['compute1', 'compute2', 'netnode']);
    for (const a of agents) {
      assert.equal(a.agent_type, 'Linux bridge agent');
      assert.equal(a.alive, true);
      assert.equal(a.admin_state_up, true);
      assert.equal(a.binary, 'neutron-linuxbridge-agent');
      assert.equal((a.configurations as Doc).tunneling_ip, lab.hosts.find((h) => h.host === a.host)?.ip);
    }
    assert.equal(Array.isArray((await lab.api('GET', '/v2.0/agents', undefined, 'demo:p1')).body.agents), true);
    assert.deepEqual((await lab.api('GET', '/v2.0/agents', undefined, 'demo:p1')).body.agents, []);
  });

  it('guests on two hosts reach each other over VXLAN', async () => {
    const [p1, p2] = ports as [Doc, Doc];
    const g1 = await lab.guest(1, p1 as { id: string; mac_address: string });
    const g2 = await lab.guest(2, p2 as { id: string; mac_address: string });
    await g1.exec('ip', ['addr', 'add', `${ipOf(p1)}/24`, 'dev', 'eth0']);
    await g2.exec('ip', ['addr', 'add', `${ipOf(p2)}/24`, 'dev', 'eth0']);
    const vni = String(net['provider:segmentation_id']);
    await until(
      async () => (await sh('ip', ['-n', lab.hosts[1]?.ns ?? '', '-d', 'link', 'show', `tap${p1.id.slice(0, 11)}`])).stdout.includes(`master brq${net.id.slice(0, 11)}`),
      20_000,
      'tap plugged',
    );
    const vx = (await sh('ip', ['-n', lab.hosts[1]?.ns ?? '', '-d', 'link', 'show', `vxlan-${vni}`])).stdout;
    assert.match(vx, new RegExp(`vxlan id ${vni} local ${lab.hosts[1]?.ip.replaceAll('.', '\\.')}`));
    const fdb = (await sh('bridge', ['-n', lab.hosts[1]?.ns ?? '', 'fdb', 'show', 'dev', `vxlan-${vni}`])).stdout;
    assert.match(fdb, new RegExp(`00:00:00:00:00:00 dst ${lab.hosts[2]?.ip.replaceAll('.', '\\.')}`));
    // The network node has no port on the network: no bridge there.
    const nn = (await sh('ip', ['-n', lab.hosts[0]?.ns ?? '', 'link', 'show'])).stdout;
    assert.doesNotMatch(nn, /brq/);
    await until(async () => (await g1.exec('busybox', ['ping', '-c', '1', '-W', '1', ipOf(p2)], { allowFailure: true })).code === 0, 20_000, 'guest 1 pings guest 2');
  });

  it('rebuilds after a restart: a stale bridge goes, the wanted ones stay or come back', async () => {
    const h = lab.hosts[1];
    assert.ok(h);
    await lab.killAgent(1);
    await sh('ip', ['-n', h.ns, 'link', 'add', 'brqdeadbeef000', 'type', 'bridge']);
    await sh('ip', ['-n', h.ns, 'link', 'del', `brq${net.id.slice(0, 11)}`]);
    await lab.startAgent(1);
    await until(
      async () => {
        const out = (await sh('ip', ['-n', h.ns, 'link', 'show'])).stdout;
        return !out.includes('brqdeadbeef000') && out.includes(`master brq${net.id.slice(0, 11)}`);
      },
      30_000,
      'compute1 rebuilt',
    );
  });

  it('removes the bridge of a host once its last port is gone', async () => {
    const p2 = ports[1] as Doc;
    assert.equal((await lab.api('DELETE', `/v2.0/ports/${p2.id}`)).status, 204);
    await until(async () => !(await sh('ip', ['-n', lab.hosts[2]?.ns ?? '', 'link', 'show'])).stdout.includes('brq'), 20_000, 'compute2 bridge removed');
  });
});
