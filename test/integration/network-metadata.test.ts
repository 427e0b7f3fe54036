/**
 * Isolated metadata in the DHCP namespace (Neutron's enable_isolated_metadata):
 * a guest on a compute host takes its lease with a classless static route to
 * 169.254.169.254 by the DHCP port, and asks the metadata service there; the
 * namespace's proxy passes it to the network node's agent, which signs it as
 * the instance using the guest's port and sends it to a nova-api-metadata
 * this test runs in the root namespace with that instance seeded. Needs
 * root, iproute2, dnsmasq, busybox and RabbitMQ.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connectDb } from '../../src/cmd/wiring.ts';
import { loadConfig } from '../../src/conf/loader.ts';
import { silentLogger } from '../../src/log.ts';
import { REQUIRE, rabbitSkip } from '../support/backends.ts';
import { instanceFixture } from '../support/instances.ts';
import { netnsSkip, sh } from '../support/netns.ts';
import { type Guest, type NetworkLab, startNetworkLab } from '../support/netns-network.ts';
import { Daemon, freePort, run, tmpDir, until, writeConf } from '../support/procs.ts';

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

// busybox udhcpc: $staticroutes is "dest gw dest gw …" (option 121); with it the router option is ignored.
const UDHCPC_SCRIPT = `#!/bin/sh
case "$1" in
  bound|renew)
    ip addr add "$ip/$mask" dev "$interface"
    echo "lease ip=$ip router=$router staticroutes=$staticroutes"
    if [ -n "$staticroutes" ]; then
      set -- $staticroutes
      while [ $# -ge 2 ]; do ip route add "$1" via "$2" dev "$interface"; shift 2; done
    elif [ -n "$router" ]; then
      ip route add default via "\${router%% *}" dev "$interface"
    fi
    ;;
esac
`;

const SECRET = 'isolated-metadata-secret';
const UUID = '6b1f3c1e-2a4d-4e8f-9b7a-0c1d2e3f4a5b';

describe('nova-network-agent: isolated metadata in the DHCP namespace', { skip }, () => {
  let lab: NetworkLab;
  let net: Doc;
  let guest: Guest;
  let mdPort = 0;
  let metadata: Daemon | undefined;
  const dhcpDir = () => path.join(lab.dir, 'netnode', 'network-agent', 'dhcp', String(net.id));
  const proxyPid = () => Number(fs.readFileSync(path.join(dhcpDir(), 'metadata-proxy.pid'), 'utf8').trim());
  // busybox wget without -T: with it, busybox 1.35's wget crashes (SIGSEGV) here.
  const wget = (p = '/openstack/latest/meta_data.json') => guest.exec('busybox', ['wget', '-O-', `http://169.254.169.254${p}`], { allowFailure: true, timeoutMs: 15_000 });

  /** nova-api-metadata in the root namespace on the lab's bridge address, checking signatures with `secret`. */
  async function startMetadata(secret: string): Promise<void> {
    const dir = tmpDir('nova-isolated-md-');
    const conf = writeConf(path.join(dir, 'nova.conf'), {
      DEFAULT: { state_path: dir, transport_url: 'memory://', report_interval: 1 },
      database: { connection: `sqlite:///${path.join(dir, 'nova.sqlite')}` },
      api: { metadata_listen: lab.net.hostIp, metadata_listen_port: mdPort },
      neutron: { service_metadata_proxy: true, metadata_proxy_shared_secret: secret },
    });
    const sync = await run('nova-manage', ['--config-file', conf, 'db', 'sync']);
    assert.equal(sync.code, 0, sync.stderr);
    const db = await connectDb(loadConfig({ files: [conf] }), silentLogger());
    try {
      const {
        id: _i,
        created_at: _c,
        updated_at: _u,
        deleted_at: _d,
        deleted: _x,
        ...inst
      } = instanceFixture({ uuid: UUID, project_id: 'p1', hostname: 'iso-md-1', display_name: 'iso-md-1' });
      await db.instances.create(inst);
    } finally {
      await db.db.close();
    }
    metadata = new Daemon('metadata', 'nova-api-metadata', ['--config-file', conf]);
    await metadata.waitFor(/Metadata API listening/);
  }

  before(async () => {
    mdPort = await freePort();
    lab = await startNetworkLab(
      [
        { host: 'netnode', roles: ['bridge', 'dhcp'] },
        { host: 'compute1', roles: ['bridge'] },
      ],
      { DEFAULT: { nova_metadata_port: mdPort }, neutron: { metadata_proxy_shared_secret: SECRET } },
    );
    await startMetadata(SECRET);
    net = (await lab.api('POST', '/v2.0/networks', { network: { name: 'isolated', project_id: 'p1' } })).body.network as Doc;
    lab.forget(`qdhcp-${net.id}`);
    const r = await lab.api('POST', '/v2.0/subnets', { subnet: { network_id: net.id, cidr: '10.196.0.0/24', ip_version: 4, project_id: 'p1' } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
  });
  after(async () => {
    await metadata?.stop();
    await lab?.stop();
  });

  it("gives the guest a route to 169.254.169.254 by the DHCP port and serves it its instance's metadata", async () => {
    const dhcp = await until(async () => ((await lab.api('GET', `/v2.0/ports?network_id=${net.id}&device_owner=network:dhcp`)).body.ports as Doc[])[0], 20_000, 'the DHCP port');
    const dhcpIp = (dhcp.fixed_ips as { ip_address: string }[])[0]?.ip_address ?? '';
    const ns = `qdhcp-${net.id}`;
    await until(async () => (await sh('ip', ['-n', ns, 'addr', 'show'], { allowFailure: true })).stdout.includes('169.254.169.254/32'), 20_000, '169.254.169.254 in qdhcp');
    const r = await lab.api('POST', '/v2.0/ports', {
      port: { network_id: net.id, 'binding:host_id': 'compute1', project_id: 'p1', device_id: UUID, device_owner: 'compute:nova' },
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const port = r.body.port as Doc;
    guest = await lab.guest(1, port as { id: string; mac_address: string });
    const script = path.join(lab.dir, 'udhcpc-md.sh');
    fs.writeFileSync(script, UDHCPC_SCRIPT, { mode: 0o755 });
    const lease = await until(
      async () => {
        const out = await guest.exec('busybox', ['udhcpc', '-i', 'eth0', '-n', '-q', '-f', '-t', '3', '-T', '1', '-O', 'staticroutes', '-s', script], {
          allowFailure: true,
          timeoutMs: 15_000,
        });
        return /lease ip=/.exec(out.stdout) ? out.stdout : null;
      },
      40_000,
      'a DHCP lease',
    );
    assert.match(lease, new RegExp(`staticroutes=169\\.254\\.169\\.254/32 ${dhcpIp.replaceAll('.', '\\.')} 0\\.0\\.0\\.0/0 10\\.196\\.0\\.1`));
    assert.match((await guest.exec('ip', ['route'])).stdout, new RegExp(`169\\.254\\.169\\.254 via ${dhcpIp.replaceAll('.', '\\.')}`));
    const md = await until(
      async () => {
        const out = await wget();
        return out.code === 0 ? out.stdout : null;
      },
      20_000,
      'meta_data.json from 169.254.169.254',
    ).catch(async (e: unknown) => {
      const log = (f: string) => (fs.existsSync(path.join(dhcpDir(), f)) ? fs.readFileSync(path.join(dhcpDir(), f), 'utf8') : `(no ${f})`);
      const w = await wget();
      throw new Error(`${String(e)}\nwget: ${w.code} ${w.stdout} ${w.stderr}\nproxy log:\n${log('metadata-proxy.log')}\nagent:\n${lab.hosts[0]?.proc.tail()}`);
    });
    const doc = JSON.parse(md) as Record<string, unknown>;
    assert.equal(doc.uuid, UUID);
    assert.equal(doc.project_id, 'p1');
    assert.equal((await wget('/latest/meta-data/local-ipv4')).stdout, (port.fixed_ips as { ip_address: string }[])[0]?.ip_address);
  });

  it('the proxy outlives an agent restart (503 while the agent is away) and is started again when it dies', async () => {
    const pid = proxyPid();
    await lab.killAgent(0);
    const away = await wget();
    assert.notEqual(away.code, 0);
    assert.match(away.stderr, /503/);
    await lab.startAgent(0);
    await until(async () => (await wget()).code === 0, 30_000, 'metadata after the agent restarted');
    assert.equal(proxyPid(), pid);
    process.kill(pid, 'SIGKILL');
    await until(async () => (await wget()).code === 0 && proxyPid() !== pid, 20_000, 'a new metadata proxy');
  });

  it('a secret nova-api-metadata does not share gives 403', async () => {
    await metadata?.stop();
    await startMetadata('another-secret');
    const r = await wget();
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /403/);
  });

  it('the proxy goes with the network', async () => {
    const pid = proxyPid();
    for (const p of (await lab.api('GET', `/v2.0/ports?network_id=${net.id}`)).body.ports as Doc[])
      if (p.device_owner !== 'network:dhcp') await lab.api('DELETE', `/v2.0/ports/${p.id}`);
    assert.equal((await lab.api('DELETE', `/v2.0/networks/${net.id}`)).status, 204);
    await until(async () => !(await sh('ip', ['netns', 'list'])).stdout.includes(`qdhcp-${net.id}`), 20_000, 'qdhcp namespace removed');
    const running = () => {
      try {
        return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('nova-ns-metadata-proxy');
      } catch {
        return false;
      }
    };
    await until(async () => !running(), 5_000, 'the metadata proxy stopped');
    assert.equal(fs.existsSync(dhcpDir()), false);
  });
});
