/**
 * The DHCP agent on a network node that is a network namespace: a
 * qdhcp-<network> namespace with dnsmasq, and a guest on a compute host
 * taking its fixed IP, gateway and DNS server by DHCP (busybox udhcpc)
 * across VXLAN. Needs root, iproute2, dnsmasq, busybox and RabbitMQ.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REQUIRE, rabbitSkip } from '../support/backends.ts';
import { netnsSkip, sh } from '../support/netns.ts';
import { type NetworkLab, startNetworkLab } from '../support/netns-network.ts';
import { until } from '../support/procs.ts';

async function programsSkip(): Promise<string | undefined> {
  for (const p of ['dnsmasq', 'busybox']) {
    if ((await sh('sh', ['-c', `command -v ${p}`], { allowFailure: true })).code === 0) continue;
    if (REQUIRE) throw new Error(`${p} is missing, and NOVA_TEST_REQUIRE_BACKENDS=1 forbids skipping`);
    return `SKIPPED: ${p} is not installed`;
  }
  return undefined;
}

const skip = (await netnsSkip()) ?? (await rabbitSkip()) ?? (await programsSkip());

type Doc = Record<string, unknown> & { id: string };

const UDHCPC_SCRIPT = `#!/bin/sh
case "$1" in
  bound|renew)
    ip addr add "$ip/$mask" dev "$interface"
    [ -n "$router" ] && ip route add default via "\${router%% *}" dev "$interface"
    echo "lease ip=$ip mask=$mask router=$router dns=$dns domain=$domain"
    ;;
esac
`;

describe('nova-network-agent: DHCP', { skip }, () => {
  let lab: NetworkLab;
  let net: Doc;
  let subnet: Doc;
  let script: string;
  before(async () => {
    lab = await startNetworkLab([
      { host: 'netnode', roles: ['bridge', 'dhcp'] },
      { host: 'compute1', roles: ['bridge'] },
    ]);
    script = path.join(lab.dir, 'udhcpc.sh');
    fs.writeFileSync(script, UDHCPC_SCRIPT, { mode: 0o755 });
    net = (await lab.api('POST', '/v2.0/networks', { network: { name: 'private', project_id: 'p1' } })).body.network as Doc;
    lab.forget(`qdhcp-${net.id}`);
    const r = await lab.api('POST', '/v2.0/subnets', { subnet: { network_id: net.id, cidr: '10.198.0.0/24', ip_version: 4, dns_nameservers: ['10.198.0.53'], project_id: 'p1' } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    subnet = r.body.subnet as Doc;
  });
  after(() => lab?.stop());

  it('gives the network a DHCP port on the network node, a qdhcp namespace and a dnsmasq in it', async () => {
    const port = await until(async () => ((await lab.api('GET', `/v2.0/ports?network_id=${net.id}&device_owner=network:dhcp`)).body.ports as Doc[])[0], 20_000, 'the DHCP port');
    assert.equal(port['binding:host_id'], 'netnode');
    await until(async () => (await sh('ip', ['netns', 'pids', `qdhcp-${net.id}`], { allowFailure: true })).stdout.trim() !== '', 20_000, 'dnsmasq in qdhcp');
    const addr = (await sh('ip', ['-n', `qdhcp-${net.id}`, 'addr', 'show', `ns-${port.id.slice(0, 11)}`])).stdout;
    assert.match(addr, new RegExp(`inet ${((port.fixed_ips as { ip_address: string }[])[0]?.ip_address ?? '').replaceAll('.', '\\.')}/24`));
    const agents = (await lab.api('GET', '/v2.0/agents?agent_type=DHCP agent')).body.agents as Doc[];
    assert.deepEqual(
      agents.map((a) => [a.host, a.alive, a.binary]),
      [['netnode', true, 'neutron-dhcp-agent']],
    );
  });

  it('a guest on a compute host gets its fixed IP, gateway and DNS server by DHCP', async () => {
    const r = await lab.api('POST', '/v2.0/ports', { port: { network_id: net.id, 'binding:host_id': 'compute1', project_id: 'p1' } });
    const port = r.body.port as Doc;
    const fixed = (port.fixed_ips as { ip_address: string }[])[0]?.ip_address ?? '';
    const g = await lab.guest(1, port as { id: string; mac_address: string });
    const lease = await until(
      async () => {
        const out = await g.exec('busybox', ['udhcpc', '-i', 'eth0', '-n', '-q', '-f', '-t', '3', '-T', '1', '-s', script], { allowFailure: true, timeoutMs: 15_000 });
        return /lease ip=/.exec(out.stdout) ? out.stdout : null;
      },
      40_000,
      'a DHCP lease',
    ).catch((e: unknown) => {
      const dir = path.join(lab.dir, 'netnode', 'network-agent', 'dhcp', net.id);
      const read = (f: string) => (fs.existsSync(path.join(dir, f)) ? fs.readFileSync(path.join(dir, f), 'utf8') : `(no ${f})`);
      throw new Error(`${String(e)}\ndnsmasq log:\n${read('log')}\nhosts:\n${read('host')}`);
    });
    assert.match(lease, new RegExp(`lease ip=${fixed.replaceAll('.', '\\.')} mask=24 router=${String(subnet.gateway_ip).replaceAll('.', '\\.')} dns=10\\.198\\.0\\.53`));
  });

  it('after its network is deleted, the namespace and dnsmasq go', async () => {
    for (const p of (await lab.api('GET', `/v2.0/ports?network_id=${net.id}`)).body.ports as Doc[])
      if (p.device_owner !== 'network:dhcp') await lab.api('DELETE', `/v2.0/ports/${p.id}`);
    const d = await lab.api('DELETE', `/v2.0/networks/${net.id}`);
    assert.equal(d.status, 204, JSON.stringify(d.body));
    await until(async () => !(await sh('ip', ['netns', 'list'])).stdout.includes(`qdhcp-${net.id}`), 20_000, 'qdhcp namespace removed');
  });
});
