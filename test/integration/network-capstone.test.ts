/**
 * Issue 10's capstone: a controller (also the network node) and two compute
 * hosts as network namespaces, every service its own process under
 * Keystone (test/support/netns-capstone.ts), driven by the unmodified
 * `openstack` client only: a project's network, subnet and router to an
 * external flat network; a keypair; two real guests (qemu driver, TCG), one
 * per compute host, that take their fixed IPs from the project's DHCP (their
 * serial consoles say so, read with `console log show`), their key from a
 * config drive (guest-1) or the metadata service (guest-2), and reach each
 * other over VXLAN (HTTP, ping, SSH to guest-2 through guest-1); a floating IP that makes one reachable from the external
 * namespace (HTTP and `ssh -i key root@<floating ip> hostname`) once a
 * security group rule lets it in, closed again when the port 80 rule goes;
 * another project whose network (same CIDR) is out of reach and out of
 * sight; and nothing left behind: the agents take their namespaces,
 * bridges, dnsmasq and nftables away when the resources go, the test the
 * rest. Needs root, iproute2, nftables, dnsmasq, QEMU, genisoimage, the
 * OpenSSH client, python3-openstackclient, MariaDB and RabbitMQ.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { mysqlSkip, openstackSkip, qemuSkip, REQUIRE, rabbitSkip } from '../support/backends.ts';
import { ensureGuestImage } from '../support/guest-image.ts';
import { netnsSkip, sh } from '../support/netns.ts';
import { type CapstoneCloud, EXT_CIDR, EXT_GATEWAY, PHYSNET, startCapstoneCloud } from '../support/netns-capstone.ts';
import { until } from '../support/procs.ts';
import { configDriveSkip } from './qemu-support.ts';

async function programsSkip(): Promise<string | undefined> {
  for (const p of ['nft', 'dnsmasq', 'busybox', 'ssh', 'ssh-keygen']) {
    if ((await sh('sh', ['-c', `command -v ${p}`], { allowFailure: true })).code === 0) continue;
    if (REQUIRE) throw new Error(`${p} is missing, and NOVA_TEST_REQUIRE_BACKENDS=1 forbids skipping`);
    return `SKIPPED: ${p} is not installed`;
  }
  return undefined;
}

const skip =
  (await netnsSkip()) ?? (await qemuSkip()) ?? (await mysqlSkip()) ?? (await rabbitSkip()) ?? (await openstackSkip()) ?? (await programsSkip()) ?? configDriveSkip('iso9660');

type Json = Record<string, unknown>;
const note = (line: string) => process.stderr.write(`# ${line}\n`);
const CIDR = '10.51.0.0/24';
/** Project B's port: an address of the same CIDR that project A's network never hands out. */
const B_IP = '10.51.0.200';

describe('capstone: a cloud of namespaces driven by the openstack client', { skip, timeout: 900_000 }, () => {
  let cloud: CapstoneCloud;
  let alice: Record<string, string>;
  let bob: Record<string, string>;
  let admin: Record<string, string>;
  let key = '';
  const t0 = Date.now();
  const ids: Record<string, string> = {};
  const servers: { id: string; name: string; ip: string; host: string }[] = [];
  let fip = '';
  let http80 = '';
  /** Project B's machine (a namespace on compute-2), once made. */
  let guestB = '';

  const os = (env: Record<string, string>, ...args: string[]) => cloud.openstack(env, args);
  const json = async <T = Json>(env: Record<string, string>, ...args: string[]): Promise<T> => JSON.parse(await cloud.openstack(env, [...args, '-f', 'json'])) as T;
  const inExt = (cmd: string, args: string[], timeoutMs = 20_000) => cloud.exec(cloud.extNs, cmd, args, timeoutMs);
  /** HTTP GET from the external namespace, a new connection each time (Node's fetch; busybox 1.35 `wget -T` segfaults). */
  const httpFromExt = async (ip: string): Promise<string | undefined> => {
    const get = `fetch('http://${ip}/', { signal: AbortSignal.timeout(3000) }).then((r) => r.text()).then((t) => process.stdout.write(t))`;
    const r = await inExt(process.execPath, ['-e', get], 15_000);
    return r.code === 0 && r.stdout.includes('NOVA-GUEST-HTTP') ? r.stdout : undefined;
  };
  const sshOpts = () => [
    '-i',
    key,
    '-o',
    'BatchMode=yes',
    '-o',
    'StrictHostKeyChecking=no',
    '-o',
    'UserKnownHostsFile=/dev/null',
    '-o',
    'ConnectTimeout=5',
    '-o',
    'LogLevel=ERROR',
  ];
  const sshFromExt = (ip: string, command: string) => inExt('ssh', [...sshOpts(), `root@${ip}`, command], 60_000);
  const fixedIp = (server: Json): string => {
    const m = /(10\.51\.0\.\d+)/.exec(JSON.stringify(server.addresses));
    if (!m?.[1]) throw new Error(`no fixed IP in ${JSON.stringify(server.addresses)}`);
    return m[1];
  };

  before(async () => {
    const disk = ensureGuestImage();
    cloud = await startCapstoneCloud();
    note(`cloud up in ${Date.now() - t0} ms (controller ${cloud.controller.ip}, computes ${cloud.computes.map((c) => c.ip).join(', ')})`);
    admin = cloud.adminEnv;
    for (const [project, user] of [
      ['capstone-a', 'alice'],
      ['capstone-b', 'bob'],
    ] as const) {
      await os(admin, 'project', 'create', project);
      await os(admin, 'user', 'create', '--project', project, '--password', `${user}-pw`, user);
      await os(admin, 'role', 'add', '--project', project, '--user', user, 'member');
    }
    alice = cloud.envFor('alice', 'alice-pw', 'capstone-a');
    bob = cloud.envFor('bob', 'bob-pw', 'capstone-b');
    await os(admin, 'image', 'create', '--disk-format', 'qcow2', '--container-format', 'bare', '--public', '--file', disk, 'nova-guest');
    const ext = await json(admin, 'network', 'create', '--external', '--provider-network-type', 'flat', '--provider-physical-network', PHYSNET, 'public');
    ids.public = String(ext.id);
    await os(
      admin,
      'subnet',
      'create',
      '--network',
      'public',
      '--subnet-range',
      EXT_CIDR,
      '--gateway',
      EXT_GATEWAY,
      '--no-dhcp',
      '--allocation-pool',
      'start=203.0.113.10,end=203.0.113.99',
      'public-v4',
    );
  });
  after(() => cloud?.stop());

  it('a project user makes a network, a subnet and a router to the external network', async () => {
    const net = await json(alice, 'network', 'create', 'net-a');
    ids.netA = String(net.id);
    cloud.adopt(`qdhcp-${ids.netA}`);
    const sub = await json(alice, 'subnet', 'create', '--network', 'net-a', '--subnet-range', CIDR, 'sub-a');
    assert.equal(sub.gateway_ip, '10.51.0.1');
    const router = await json(alice, 'router', 'create', 'router-a');
    ids.router = String(router.id);
    cloud.adopt(`qrouter-${ids.router}`);
    await os(alice, 'router', 'set', '--external-gateway', 'public', 'router-a');
    await os(alice, 'router', 'add', 'subnet', 'router-a', 'sub-a');
    const shown = await json(alice, 'router', 'show', 'router-a');
    assert.equal((shown.external_gateway_info as { network_id: string }).network_id, ids.public);
    const qrouter = `qrouter-${ids.router}`;
    await until(
      async () => (await sh('ip', ['-n', qrouter, 'route', 'show', 'default'], { allowFailure: true })).stdout.includes(`via ${EXT_GATEWAY}`),
      60_000,
      'the router namespace',
    );
    // The gateway came first: the subnet's interface follows on the agent's next sync.
    await until(
      async () => /^qr-\S+\s+UP\s+10\.51\.0\.1\/24/m.test((await sh('ip', ['-n', qrouter, '-br', 'addr'], { allowFailure: true })).stdout),
      60_000,
      "the router's interface on the project subnet",
    );
  });

  it('boots two real guests with a keypair, one per compute host, ACTIVE', async () => {
    key = path.join(cloud.dir, 'id_ed25519');
    await sh('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'capstone@test', '-f', key]);
    await os(alice, 'keypair', 'create', '--public-key', `${key}.pub`, 'key-a');
    const started = Date.now();
    for (const name of ['guest-1', 'guest-2']) {
      // guest-1 reads its key from a config drive, guest-2 from the metadata service (through the DHCP namespace's proxy).
      const placement = servers[0] ? ['--hint', `different_host=${servers[0].id}`] : ['--config-drive', 'true'];
      const s = await json(alice, 'server', 'create', '--image', 'nova-guest', '--flavor', 'm1.nano', '--network', 'net-a', '--key-name', 'key-a', ...placement, name);
      const id = String(s.id);
      const active = await until(
        async () => {
          const cur = await json(alice, 'server', 'show', id);
          if (cur.status === 'ERROR') throw new Error(`${name} went to ERROR: ${JSON.stringify(cur.fault)}`);
          return cur.status === 'ACTIVE' ? cur : undefined;
        },
        240_000,
        `${name} ACTIVE`,
        1000,
      ).catch(async (e: Error) => {
        throw new Error(`${e.message}; ${await os(admin, 'server', 'show', id).catch((x: Error) => x.message)}`);
      });
      const host = String((await json(admin, 'server', 'show', id))['OS-EXT-SRV-ATTR:host']);
      servers.push({ id, name, ip: fixedIp(active), host });
    }
    note(`two guests ACTIVE ${Date.now() - started} ms after the first create (${servers.map((s) => `${s.name} ${s.ip} on ${s.host}`).join(', ')})`);
    assert.deepEqual(servers.map((s) => s.host).sort(), ['compute-1', 'compute-2'], 'one guest per compute host');
    assert.notEqual(servers[0]?.ip, servers[1]?.ip);
  });

  it("each guest's serial console shows the lease of its fixed IP from the project's DHCP", async () => {
    const started = Date.now();
    const qdhcp = `qdhcp-${ids.netA}`;
    const dnsmasq = (await sh('ip', ['netns', 'pids', qdhcp])).stdout.trim();
    assert.notEqual(dnsmasq, '', `a DHCP server runs in ${qdhcp}`);
    for (const s of servers) {
      const line = await until(
        async () => (await os(alice, 'console', 'log', 'show', s.id)).split('\n').find((l) => l.includes('NOVA-GUEST-DHCP')),
        300_000,
        `the DHCP lease on ${s.name}'s console`,
        2000,
      );
      assert.match(line, new RegExp(`NOVA-GUEST-DHCP eth0 ${s.ip.replaceAll('.', '\\.')}/24 gw=10\\.51\\.0\\.1\\b`), line);
    }
    // The key: guest-1's from its config drive, guest-2's from the metadata service (which also names it).
    const [g1, g2] = servers;
    if (!g1 || !g2) throw new Error('no guests');
    const log1 = await os(alice, 'console', 'log', 'show', g1.id);
    assert.match(log1, new RegExp(`NOVA-GUEST-BOOT-OK host=${g1.name}\\S* .*configdrive=\\S+ uuid=${g1.id}`));
    const log2 = await until(
      async () => {
        const text = await os(alice, 'console', 'log', 'show', g2.id);
        return /NOVA-GUEST-METADATA /.test(text) ? text : undefined;
      },
      120_000,
      "guest-2's metadata",
      2000,
    );
    assert.match(log2, new RegExp(`NOVA-GUEST-METADATA host=${g2.name}\\S* uuid=${g2.id}`));
    for (const text of [log1, log2]) assert.match(text, /NOVA-GUEST-KEYS 1\b/);
    note(`both leases on the consoles ${Date.now() - started} ms later`);
  });

  it('a floating IP reaches a guest from the external network once its security group lets it in', async () => {
    const [g1] = servers;
    if (!g1) throw new Error('no guest');
    const f = await json(alice, 'floating', 'ip', 'create', 'public');
    fip = String(f.floating_ip_address);
    await os(alice, 'server', 'add', 'floating', 'ip', g1.id, fip);
    await until(async () => JSON.stringify((await json(alice, 'server', 'show', g1.id)).addresses).includes(fip), 60_000, 'the floating IP in server show');
    const qrouter = `qrouter-${ids.router}`;
    await until(async () => (await sh('ip', ['-n', qrouter, '-br', 'addr'], { allowFailure: true })).stdout.includes(`${fip}/32`), 60_000, 'the floating IP on the router');
    await until(
      async () => (await sh('ip', ['netns', 'exec', qrouter, 'nft', 'list', 'table', 'ip', 'nova-nat'], { allowFailure: true })).stdout.includes(fip),
      30_000,
      'its DNAT',
    );
    // The default group lets in only its members: nothing from outside.
    assert.equal(await httpFromExt(fip), undefined, 'HTTP from the external network is denied by the default group');

    http80 = String((await json(alice, 'security', 'group', 'rule', 'create', '--ingress', '--protocol', 'tcp', '--dst-port', '80', 'default')).id);
    await os(alice, 'security', 'group', 'rule', 'create', '--ingress', '--protocol', 'tcp', '--dst-port', '22', 'default');
    const started = Date.now();
    const page = await until(() => httpFromExt(fip), 60_000, 'HTTP to the floating IP', 1000);
    note(`HTTP through the floating IP ${Date.now() - started} ms after the rules`);
    assert.match(page, new RegExp(`host=${g1.name}\\S* addrs=${g1.ip.replaceAll('.', '\\.')}/24`));
    const hostname = await until(
      async () => {
        const r = await sshFromExt(fip, 'hostname');
        return r.code === 0 ? r.stdout.trim() : undefined;
      },
      90_000,
      'ssh -i key root@<floating ip> hostname',
      1000,
    );
    assert.match(hostname, new RegExp(`^${g1.name}\\b`));
  });

  it('the two guests reach each other on the project network (across the hosts)', async () => {
    const [g1, g2] = servers;
    if (!g1 || !g2) throw new Error('no guests');
    const get = await until(
      async () => {
        const r = await sshFromExt(fip, `wget -q -O - http://${g2.ip}/`);
        return r.code === 0 && r.stdout.includes('NOVA-GUEST-HTTP') ? r.stdout : undefined;
      },
      60_000,
      `${g1.name} to fetch ${g2.name}'s page`,
      1000,
    );
    assert.match(get, new RegExp(`host=${g2.name}\\S* addrs=${g2.ip.replaceAll('.', '\\.')}/24`));
    const ping = await sshFromExt(fip, `ping -c 2 -W 2 ${g2.ip}`);
    assert.equal(ping.code, 0, ping.stdout + ping.stderr);
    // SSH to guest-2 through guest-1 (its key came from the metadata service).
    const jump = `ssh ${sshOpts().join(' ')} -W %h:%p root@${fip}`;
    const hostname = await until(
      async () => {
        const r = await inExt('ssh', [...sshOpts(), '-o', `ProxyCommand=${jump}`, `root@${g2.ip}`, 'hostname'], 60_000);
        return r.code === 0 ? r.stdout.trim() : undefined;
      },
      60_000,
      `ssh to ${g2.name} through ${g1.name}`,
      1000,
    );
    assert.match(hostname, new RegExp(`^${g2.name}\\b`));
  });

  it('removing the port 80 rule closes HTTP again (a new connection); SSH stays open', async () => {
    await os(alice, 'security', 'group', 'rule', 'delete', http80);
    await until(async () => (await httpFromExt(fip)) === undefined, 60_000, 'HTTP to the floating IP to be refused');
    for (let i = 0; i < 2; i++) assert.equal(await httpFromExt(fip), undefined, 'HTTP stays closed');
    const r = await sshFromExt(fip, 'hostname');
    assert.equal(r.code, 0, `ssh still allowed: ${r.stderr}`);
  });

  it("another project's network is out of reach and out of sight", async () => {
    const netB = await json(bob, 'network', 'create', 'net-b');
    ids.netB = String(netB.id);
    cloud.adopt(`qdhcp-${ids.netB}`);
    await os(bob, 'subnet', 'create', '--network', 'net-b', '--subnet-range', CIDR, 'sub-b');
    // Project B lets ICMP in from anywhere: only the networks' isolation can keep A out.
    await os(bob, 'security', 'group', 'rule', 'create', '--ingress', '--protocol', 'icmp', 'default');
    const port = await json(bob, 'port', 'create', '--network', 'net-b', '--fixed-ip', `subnet=sub-b,ip-address=${B_IP}`, 'port-b');
    ids.portB = String(port.id);
    const host = cloud.computes[1];
    if (!host) throw new Error('no compute-2');
    await os(admin, 'port', 'set', '--host', host.host, ids.portB);
    // A machine of project B on compute-2: a namespace plugged as Nova plugs a guest (tap<port[:11]> with the port's MAC).
    const guestNs = `${host.ns}-b`;
    cloud.adopt(guestNs);
    guestB = guestNs;
    const tap = `tap${ids.portB.slice(0, 11)}`;
    await sh('ip', ['netns', 'add', guestNs]);
    await sh('ip', ['-n', host.ns, 'link', 'add', tap, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', guestNs]);
    await sh('ip', ['-n', guestNs, 'link', 'set', 'eth0', 'address', String(port.mac_address)]);
    await sh('ip', ['-n', guestNs, 'link', 'set', 'eth0', 'up']);
    await sh('ip', ['-n', guestNs, 'addr', 'add', `${B_IP}/24`, 'dev', 'eth0']);
    await sh('ip', ['-n', host.ns, 'link', 'set', tap, 'up']);
    // Reachable within project B (from its DHCP namespace on net-b) …
    const qdhcpB = `qdhcp-${ids.netB}`;
    await until(async () => (await cloud.exec(qdhcpB, 'busybox', ['ping', '-c', '1', '-W', '1', B_IP])).code === 0, 90_000, "project B's machine from its own network");
    // … not from project A's guest, though it has an address of the same CIDR.
    const ping = await sshFromExt(fip, `ping -c 3 -W 1 ${B_IP}`);
    assert.notEqual(ping.code, 0, `project A's guest must not reach project B's network: ${ping.stdout}`);
    assert.match(ping.stdout, / 0 packets received|100% packet loss/);
    const bNets = (await json<{ Name: string }[]>(bob, 'network', 'list')).map((n) => n.Name).sort();
    assert.deepEqual(bNets, ['net-b', 'public']);
    const aNets = (await json<{ Name: string }[]>(alice, 'network', 'list')).map((n) => n.Name).sort();
    assert.deepEqual(aNets, ['net-a', 'public']);
    const denied = await cloud.openstack(bob, ['port', 'create', '--network', String(ids.netA), 'sneaky']).catch((e: Error) => e.message);
    assert.match(denied, /exited 1/, "B cannot make a port on A's network");
  });

  it('leaves nothing behind: the agents undo the dataplane with the resources, the test the rest', async () => {
    const started = Date.now();
    // Project B's machine is the test's own (its tap goes with its namespace, as a guest's with its QEMU).
    if (guestB) await sh('ip', ['netns', 'del', guestB]);
    for (const s of servers) await os(alice, 'server', 'delete', '--wait', s.id);
    if (fip) await os(alice, 'floating', 'ip', 'delete', fip);
    if (ids.portB) await os(bob, 'port', 'delete', ids.portB);
    if (ids.router) {
      await os(alice, 'router', 'remove', 'subnet', 'router-a', 'sub-a');
      await os(alice, 'router', 'delete', 'router-a');
    }
    if (ids.netA) await os(alice, 'network', 'delete', 'net-a');
    if (ids.netB) await os(bob, 'network', 'delete', 'net-b');
    await os(admin, 'network', 'delete', 'public');
    const hostNs = [cloud.controller, ...cloud.computes].map((h) => h.ns);
    const leftovers = async () => {
      const out: string[] = [];
      const namespaces = (await sh('ip', ['netns', 'list'])).stdout;
      for (const ns of [`qdhcp-${ids.netA}`, `qdhcp-${ids.netB}`, `qrouter-${ids.router}`]) if (namespaces.includes(ns)) out.push(`namespace ${ns}`);
      for (const ns of hostNs) {
        const links = (await sh('ip', ['-n', ns, '-o', 'link', 'show'])).stdout;
        for (const m of links.matchAll(/^\d+: ((?:brq|vxlan-|tap|ns-|qr-|qg-)[^:@]*)/gm)) out.push(`${ns}: link ${m[1]}`);
        const tables = (await sh('ip', ['netns', 'exec', ns, 'nft', 'list', 'tables'])).stdout.trim();
        if (tables) out.push(`${ns}: nft ${tables.replaceAll('\n', ', ')}`);
      }
      const dnsmasq = (await sh('pgrep', ['-a', 'dnsmasq'], { allowFailure: true })).stdout
        .split('\n')
        .filter((l) => l.includes(cloud.dir) || [ids.netA, ids.netB].some((id) => id && l.includes(id)));
      out.push(...dnsmasq.map((l) => `dnsmasq ${l}`));
      return out;
    };
    await until(async () => (await leftovers()).length === 0, 60_000, 'the agents to remove the dataplane').catch(async (e: Error) => {
      throw new Error(`${e.message}: ${(await leftovers()).join('; ')}`);
    });
    note(`the dataplane gone ${Date.now() - started} ms after the deletes began`);
    const made = cloud.namespaces();
    await cloud.stop();
    const namespaces = (await sh('ip', ['netns', 'list'])).stdout;
    assert.deepEqual(
      made.filter((ns) => namespaces.includes(ns)),
      [],
      'no namespace of the test left',
    );
    const rootLinks = (await sh('ip', ['-o', 'link', 'show'])).stdout;
    assert.doesNotMatch(rootLinks, new RegExp(`${cloud.net.bridge}|brq${ids.netA?.slice(0, 11)}|tap${servers[0]?.id.slice(0, 11)}`));
    const qemus = (await sh('pgrep', ['-af', 'qemu-system'], { allowFailure: true })).stdout.split('\n').filter((l) => l.includes(cloud.dir));
    assert.deepEqual(qemus, [], 'no QEMU of the test left');
    note(`whole test: ${Date.now() - t0} ms`);
  });
});
