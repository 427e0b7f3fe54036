/**
 * Issue 11's capstone: block storage on a controller and two compute hosts
 * as network namespaces (test/support/netns-capstone.ts with the volume
 * host: nova-volume on the controller, its qemu-storage-daemon's NBD
 * exports on the controller's address, reached by the computes over the
 * private network, no shared path), driven by the unmodified `openstack`
 * client only: a volume attached to a running real guest on one host (its
 * serial console's disk watcher sees the new disk), a marker written to it
 * over SSH, detached, attached to a guest on the other host and the marker
 * read back; the guest on host A live-migrated to host B with the volume
 * attached (`openstack server migrate --live-migration --block-migration`):
 * the same boot of the guest, the marker read on the same disk, the volume
 * in-use with one attachment, host B's, and host B's NBD connection only; a
 * server booted from a volume made from the image (its
 * console shows the boot banner); servers deleted with and without
 * delete_on_termination (their volumes deleted or available again); and
 * nothing left behind (no volume files, no NBD connections, the servers'
 * QEMUs and the namespaces gone). SSH reaches the guests from the project
 * network's DHCP namespace. Needs root, iproute2, nftables, dnsmasq, QEMU
 * (with qemu-storage-daemon, qemu-img), genisoimage, the OpenSSH client,
 * python3-openstackclient, MariaDB and RabbitMQ.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { mysqlSkip, openstackSkip, qemuSkip, REQUIRE, rabbitSkip, volumeToolsSkip } from '../support/backends.ts';
import { ensureGuestImage } from '../support/guest-image.ts';
import { netnsSkip, sh } from '../support/netns.ts';
import { type CapstoneCloud, startCapstoneCloud } from '../support/netns-capstone.ts';
import { runProgram, until } from '../support/procs.ts';
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
  (await netnsSkip()) ??
  (await qemuSkip()) ??
  volumeToolsSkip() ??
  (await mysqlSkip()) ??
  (await rabbitSkip()) ??
  (await openstackSkip()) ??
  (await programsSkip()) ??
  configDriveSkip('iso9660');

type Json = Record<string, unknown>;
const note = (line: string) => process.stderr.write(`# ${line}\n`);

/** The daemons' log lines about a migration, or at warning level and above (the last 30): why a move failed, before the logs go with the cloud. */
function migrationLog(dir: string): string {
  const logs = path.join(dir, 'logs');
  const lines: string[] = [];
  for (const f of fs.existsSync(logs) ? fs.readdirSync(logs) : []) {
    for (const l of fs.readFileSync(path.join(logs, f), 'utf8').split('\n')) {
      if (/migrat/i.test(l) || /"level":(40|50|60)/.test(l)) lines.push(`${f}: ${l.slice(0, 600)}`);
    }
  }
  return lines.slice(-30).join('\n');
}
const CIDR = '10.52.0.0/24';

describe('volume capstone: volumes across hosts with the openstack client', { skip, timeout: 1_200_000 }, () => {
  let cloud: CapstoneCloud;
  let alice: Record<string, string>;
  let admin: Record<string, string>;
  let key = '';
  let qdhcp = '';
  let imageId = '';
  let netId = '';
  const t0 = Date.now();
  const servers: { id: string; name: string; ip: string; host: string }[] = [];
  const marker = `NOVA-VOLUME-MARKER-${process.pid}-${Date.now()}`;

  const os = (env: Record<string, string>, ...args: string[]) => cloud.openstack(env, args);
  const json = async <T = Json>(env: Record<string, string>, ...args: string[]): Promise<T> => JSON.parse(await cloud.openstack(env, [...args, '-f', 'json'])) as T;
  const ssh = (ip: string, command: string) =>
    cloud.exec(
      qdhcp,
      'ssh',
      [
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
        `root@${ip}`,
        command,
      ],
      60_000,
    );
  const consoleLog = (id: string) => os(alice, 'console', 'log', 'show', id);
  /** The console lines matching `re` (a guest's line may follow its shell prompt on the same line). */
  const consoleMatches = async (id: string, re: RegExp) => (await consoleLog(id)).split('\n').filter((l) => re.test(l));
  /** Wait for the console to have more lines matching `re` than `before`; the first new one. */
  const consoleLine = (id: string, re: RegExp, what: string, before = 0, ms = 120_000) => until(async () => (await consoleMatches(id, re))[before], ms, what, 1000);
  const volumeStatus = (name: string, status: string, ms = 120_000) =>
    until(
      async () => {
        const v = await json(alice, 'volume', 'show', name);
        if (String(v.status).startsWith('error')) throw new Error(`volume ${name} went to ${String(v.status)}`);
        return v.status === status ? v : undefined;
      },
      ms,
      `volume ${name} ${status}`,
      1000,
    );
  const active = (id: string, name: string) =>
    until(
      async () => {
        const cur = await json(alice, 'server', 'show', id);
        if (cur.status === 'ERROR') throw new Error(`${name} went to ERROR: ${JSON.stringify(cur.fault)}`);
        return cur.status === 'ACTIVE' ? cur : undefined;
      },
      300_000,
      `${name} ACTIVE`,
      1000,
    ).catch(async (e: Error) => {
      throw new Error(`${e.message}; ${await os(admin, 'server', 'show', id).catch((x: Error) => x.message)}`);
    });
  const fixedIp = (server: Json): string => {
    const m = /(10\.52\.0\.\d+)/.exec(JSON.stringify(server.addresses));
    if (!m?.[1]) throw new Error(`no fixed IP in ${JSON.stringify(server.addresses)}`);
    return m[1];
  };
  const host = async (id: string) => String((await json(admin, 'server', 'show', id))['OS-EXT-SRV-ATTR:host']);

  before(async () => {
    const disk = ensureGuestImage();
    cloud = await startCapstoneCloud({ volume: true });
    note(`cloud up in ${Date.now() - t0} ms (controller ${cloud.controller.ip}, computes ${cloud.computes.map((c) => c.ip).join(', ')})`);
    admin = cloud.adminEnv;
    await os(admin, 'project', 'create', 'volumes-a');
    await os(admin, 'user', 'create', '--project', 'volumes-a', '--password', 'alice-pw', 'alice');
    await os(admin, 'role', 'add', '--project', 'volumes-a', '--user', 'alice', 'member');
    alice = cloud.envFor('alice', 'alice-pw', 'volumes-a');
    imageId = String((await json(admin, 'image', 'create', '--disk-format', 'qcow2', '--container-format', 'bare', '--public', '--file', disk, 'nova-guest')).id);
    const net = await json(alice, 'network', 'create', 'net-v');
    netId = String(net.id);
    qdhcp = `qdhcp-${String(net.id)}`;
    cloud.adopt(qdhcp);
    await os(alice, 'subnet', 'create', '--network', 'net-v', '--subnet-range', CIDR, 'sub-v');
    await os(alice, 'security', 'group', 'rule', 'create', '--ingress', '--protocol', 'tcp', '--dst-port', '22', 'default');
    key = path.join(cloud.dir, 'id_ed25519');
    await sh('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'volumes@test', '-f', key]);
    await os(alice, 'keypair', 'create', '--public-key', `${key}.pub`, 'key-v');
  });
  after(() => cloud?.stop());

  it('boots a real guest on each compute host', async () => {
    const started = Date.now();
    for (const name of ['guest-1', 'guest-2']) {
      const placement = servers[0] ? ['--hint', `different_host=${servers[0].id}`] : [];
      const s = await json(
        alice,
        'server',
        'create',
        '--image',
        'nova-guest',
        '--flavor',
        'm1.nano',
        '--network',
        'net-v',
        '--key-name',
        'key-v',
        '--config-drive',
        'true',
        ...placement,
        name,
      );
      const id = String(s.id);
      const shown = await active(id, name);
      servers.push({ id, name, ip: fixedIp(shown), host: await host(id) });
    }
    assert.deepEqual(servers.map((s) => s.host).sort(), ['compute-1', 'compute-2'], 'one guest per compute host');
    for (const s of servers) {
      await consoleLine(s.id, /NOVA-GUEST-BOOT-OK/, `${s.name} booted`, 0, 300_000);
      await until(async () => (await ssh(s.ip, 'hostname')).code === 0, 120_000, `ssh to ${s.name}`, 2000);
    }
    note(`two guests up and reachable by SSH ${Date.now() - started} ms after the first create`);
  });

  it('a volume attached to the guest on host A appears as a disk, takes a marker, and detaches', async () => {
    const [g1] = servers;
    if (!g1) throw new Error('no guest');
    const v1 = await json(alice, 'volume', 'create', '--size', '1', 'v1');
    const volumeId = String(v1.id);
    await volumeStatus('v1', 'available');
    const started = Date.now();
    await os(alice, 'server', 'add', 'volume', g1.id, 'v1');
    const added = await consoleLine(g1.id, new RegExp(`NOVA-GUEST-DISK-ADDED (vd[a-z]) size=1073741824 serial=${volumeId.slice(0, 20)}`), 'the disk on guest-1');
    note(`attach → guest-1 sees the disk: ${Date.now() - started} ms (${added.slice(added.indexOf('NOVA-GUEST')).trim()})`);
    const disk = /DISK-ADDED (vd[a-z])/.exec(added)?.[1] ?? '';
    const inUse = await volumeStatus('v1', 'in-use');
    assert.match(JSON.stringify(inUse.attachments), new RegExp(g1.id));
    const attached = await json<Json[]>(alice, 'server', 'volume', 'list', g1.id);
    assert.deepEqual(
      attached.map((a) => a['Volume ID']),
      [volumeId],
    );
    // The export is served by the controller: guest-1's host reaches it over the private network.
    const conns = (await cloud.exec(cloud.controller.ns, 'ss', ['-Htn', 'state', 'established', '( sport = :10809 )'])).stdout;
    const hostA = cloud.computes.find((c) => c.host === g1.host);
    assert.ok(hostA && conns.includes(hostA.ip), `an NBD connection from ${g1.host} to the controller: ${conns}`);

    const w = await ssh(g1.ip, `printf '${marker}' | dd of=/dev/${disk} bs=512 count=1 conv=sync,fsync 2>/dev/null && echo WROTE`);
    assert.match(w.stdout, /WROTE/, w.stderr);
    const detachStarted = Date.now();
    await os(alice, 'server', 'remove', 'volume', g1.id, 'v1');
    await consoleLine(g1.id, new RegExp(`NOVA-GUEST-DISK-REMOVED ${disk}`), 'the disk gone from guest-1');
    await volumeStatus('v1', 'available');
    note(`detach → available and gone from guest-1: ${Date.now() - detachStarted} ms`);
  });

  it('attached to the guest on host B, the volume has the marker', async () => {
    const [, g2] = servers;
    if (!g2) throw new Error('no guest');
    const volumeId = String((await json(alice, 'volume', 'show', 'v1')).id);
    const started = Date.now();
    await os(alice, 'server', 'add', 'volume', g2.id, 'v1');
    const added = await consoleLine(g2.id, new RegExp(`NOVA-GUEST-DISK-ADDED (vd[a-z]) size=1073741824 serial=${volumeId.slice(0, 20)}`), 'the disk on guest-2');
    note(`attach → guest-2 sees the disk: ${Date.now() - started} ms`);
    const disk = /DISK-ADDED (vd[a-z])/.exec(added)?.[1] ?? '';
    const r = await ssh(g2.ip, `dd if=/dev/${disk} bs=512 count=1 2>/dev/null | head -c ${marker.length}; echo`);
    assert.equal(r.stdout.trim(), marker, r.stderr);
    await os(alice, 'server', 'remove', 'volume', g2.id, 'v1');
    await volumeStatus('v1', 'available');
  });

  it('live-migrated to the other host with the volume attached, the guest keeps the disk and its marker, no reboot', async () => {
    // guest-1 moves, host A to host B: guest-2 was placed with different_host=guest-1, a hint its request spec keeps for its moves (as Nova's).
    const [g1, g2] = servers;
    if (!g1 || !g2) throw new Error('no guests');
    const [src, dst] = [g1.host, g2.host].map((h) => cloud.computes.find((c) => c.host === h));
    if (!src || !dst || src === dst) throw new Error(`guest-1 on ${g1.host}, guest-2 on ${g2.host}`);
    const volumeId = String((await json(alice, 'volume', 'show', 'v1')).id);
    const addedRe = new RegExp(`NOVA-GUEST-DISK-ADDED (vd[a-z]) size=1073741824 serial=${volumeId.slice(0, 20)}`);
    const addedBefore = (await consoleMatches(g1.id, addedRe)).length;
    await os(alice, 'server', 'add', 'volume', g1.id, 'v1');
    const added = await consoleLine(g1.id, addedRe, 'the disk on guest-1 again', addedBefore);
    const disk = /DISK-ADDED (vd[a-z])/.exec(added)?.[1] ?? '';
    await volumeStatus('v1', 'in-use');
    const bootId = async () => (await ssh(g1.ip, 'cat /proc/sys/kernel/random/boot_id')).stdout.trim();
    const bootBefore = await bootId();
    assert.match(bootBefore, /^[0-9a-f-]{36}$/, 'the boot id of guest-1');
    const started = Date.now();
    await os(admin, '--os-compute-api-version', '2.latest', 'server', 'migrate', '--live-migration', '--host', dst.host, '--block-migration', '--wait', g1.id);
    await active(g1.id, g1.name);
    const now = await host(g1.id);
    note(`live migration with the volume: ${Date.now() - started} ms from the request to ACTIVE on ${now}`);
    // --wait returns once the server is ACTIVE, also when the migration never started (the conductor's NoValidHost): its record says.
    const migrations = await json<Json[]>(admin, '--os-compute-api-version', '2.latest', 'server', 'migration', 'list', '--server', g1.id);
    if (migrations.some((m) => m.Status !== 'completed')) note(`the migration did not complete; what the hosts logged of it:\n${migrationLog(cloud.dir)}`);
    assert.deepEqual(
      migrations.map((m) => [m.Type, m.Status, m['Source Compute'], m['Dest Compute']]),
      [['live-migration', 'completed', src.host, dst.host]],
    );
    assert.equal(now, dst.host, 'guest-1 now on host B');
    g1.host = dst.host;
    // One attachment, connected to host B (its host_name, shown to an admin), in the volume and in the attachment API.
    const v = await json(admin, 'volume', 'show', volumeId);
    assert.equal(v.status, 'in-use');
    const atts = v.attachments as Json[];
    assert.deepEqual(
      atts.map((a) => [a.server_id, a.host_name]),
      [[g1.id, dst.host]],
      JSON.stringify(atts),
    );
    const listed = await json<Json[]>(alice, '--os-volume-api-version', '3.27', 'volume', 'attachment', 'list', '--volume-id', volumeId);
    assert.deepEqual(
      listed.map((a) => [a.ID, a['Server ID'], a.Status]),
      [[atts[0]?.attachment_id, g1.id, 'attached']],
      JSON.stringify(listed),
    );
    const conns = (await cloud.exec(cloud.controller.ns, 'ss', ['-Htn', 'state', 'established', '( sport = :10809 )'])).stdout;
    assert.ok(conns.includes(`${dst.ip}:`) && !conns.includes(`${src.ip}:`), `the NBD connection from host B only: ${conns}`);
    // The same boot of the guest, the same disk, the marker on it.
    await until(async () => (await ssh(g1.ip, 'true')).code === 0, 120_000, 'ssh to guest-1 on host B', 2000);
    assert.equal(await bootId(), bootBefore, 'no reboot across the live migration');
    const r = await ssh(g1.ip, `dd if=/dev/${disk} bs=512 count=1 2>/dev/null | head -c ${marker.length}; echo`);
    assert.equal(r.stdout.trim(), marker, r.stderr);
    assert.equal((await consoleMatches(g1.id, /NOVA-GUEST-BOOT-OK/)).length, 0, 'no boot banner on host B');

    const removed = new RegExp(`NOVA-GUEST-DISK-REMOVED ${disk}`);
    const removedBefore = (await consoleMatches(g1.id, removed)).length;
    await os(alice, 'server', 'remove', 'volume', g1.id, 'v1');
    await consoleLine(g1.id, removed, 'the disk gone from guest-1 on host B', removedBefore);
    await volumeStatus('v1', 'available');
    const left = await json<Json[]>(alice, '--os-volume-api-version', '3.27', 'volume', 'attachment', 'list', '--volume-id', volumeId);
    assert.deepEqual(left, [], 'no attachment left');
    const connsAfter = (await cloud.exec(cloud.controller.ns, 'ss', ['-Htn', 'state', 'established', '( sport = :10809 )'])).stdout.trim();
    assert.equal(connsAfter, '', 'no NBD connection left');
  });

  const bfv: Record<string, string> = {};
  it('boots a server from a bootable volume made from the image', async () => {
    await os(alice, 'volume', 'create', '--image', imageId, '--size', '1', '--bootable', 'bv');
    const bv = await volumeStatus('bv', 'available', 180_000);
    assert.equal(bv.bootable, 'true');
    const started = Date.now();
    const s = await json(alice, 'server', 'create', '--volume', 'bv', '--flavor', 'm1.nano', '--network', 'net-v', 'from-volume');
    bfv.id = String(s.id);
    await active(bfv.id, 'from-volume');
    const banner = await consoleLine(bfv.id, /NOVA-GUEST-BOOT-OK/, "from-volume's boot banner", 0, 300_000);
    note(`boot from volume: banner ${Date.now() - started} ms after the create (${banner.trim()})`);
    assert.match(banner, /disks=vda\b/);
    const inUse = await volumeStatus('bv', 'in-use');
    assert.match(JSON.stringify(inUse.attachments), /\/dev\/vda/);
    assert.equal((await json(alice, 'server', 'show', bfv.id)).image, 'N/A (booted from volume)');
  });

  it('boots from an image to a new volume deleted with the server (delete_on_termination)', async () => {
    // openstack server create (6.0) wants --image or --volume: the image-to-volume mapping with delete_on_termination is nova boot's --block-device.
    const nova = await runProgram(
      'nova',
      ['boot', '--flavor', 'm1.nano', '--nic', `net-id=${netId}`, '--block-device', `source=image,id=${imageId},dest=volume,size=1,shutdown=remove,bootindex=0`, 'dot'],
      alice,
      180_000,
    );
    assert.equal(nova.code, 0, nova.stderr || nova.stdout);
    const s = await json(alice, 'server', 'show', 'dot');
    bfv.dot = String(s.id);
    await active(bfv.dot, 'dot');
    await consoleLine(bfv.dot, /NOVA-GUEST-BOOT-OK/, "dot's boot banner", 0, 300_000);
    const shown = await json(alice, '--os-compute-api-version', '2.79', 'server', 'show', bfv.dot);
    const m = /"id":\s*"([0-9a-f-]{36})"/.exec(JSON.stringify(shown.volumes_attached));
    if (!m?.[1]) throw new Error(`no volume attached to dot: ${JSON.stringify(shown.volumes_attached)}`);
    bfv.dotVolume = m[1];
    assert.match(JSON.stringify(shown.volumes_attached), /"delete_on_termination":\s*true/);
    assert.equal((await json(alice, 'volume', 'show', bfv.dotVolume)).status, 'in-use');
  });

  it('deleting the servers deletes the delete_on_termination volume and makes the others available', async () => {
    // v1 attached again, to guest-1, is not deleted with it; v2 attached to guest-2 with --enable-delete-on-termination is.
    const [g1, g2] = servers;
    if (!g1 || !g2) throw new Error('no guests');
    await os(alice, 'server', 'add', 'volume', g1.id, 'v1');
    const v2 = String((await json(alice, 'volume', 'create', '--size', '1', 'v2')).id);
    await volumeStatus('v2', 'available');
    await os(alice, '--os-compute-api-version', '2.79', 'server', 'add', 'volume', '--enable-delete-on-termination', g2.id, 'v2');
    await volumeStatus('v1', 'in-use');
    await volumeStatus('v2', 'in-use');
    const listed = await json<Json[]>(alice, '--os-compute-api-version', '2.79', 'server', 'volume', 'list', g2.id);
    assert.match(JSON.stringify(listed), /"Delete On Termination\?":\s*true/);
    for (const id of [bfv.dot, bfv.id, ...servers.map((s) => s.id)]) if (id) await os(alice, 'server', 'delete', '--wait', id);
    await volumeStatus('bv', 'available');
    await volumeStatus('v1', 'available');
    await until(async () => !(await json<Json[]>(alice, 'volume', 'list')).some((v) => v.ID === bfv.dotVolume || v.ID === v2), 120_000, "dot's and v2's volumes deleted", 1000);
    const names = (await json<Json[]>(alice, 'volume', 'list')).map((v) => v.Name).sort();
    assert.deepEqual(names, ['bv', 'v1']);
  });

  it('leaves nothing behind', async () => {
    await os(alice, 'volume', 'delete', 'v1', 'bv');
    await until(async () => (await json<Json[]>(alice, 'volume', 'list')).length === 0, 120_000, 'the volumes deleted', 1000);
    const volumesDir = path.join(cloud.dir, 'controller', 'volumes');
    const files = fs.readdirSync(volumesDir).filter((f) => !f.startsWith('.') && f !== 'exports.json');
    assert.deepEqual(files, [], 'no volume file left on the volume host');
    // The file driver's record of the daemon's exports (what a restarted nova-volume would serve again) is empty.
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(volumesDir, 'exports.json'), 'utf8')), {}, 'no export left');
    const conns = (await cloud.exec(cloud.controller.ns, 'ss', ['-Htn', 'state', 'established', '( sport = :10809 )'])).stdout.trim();
    assert.equal(conns, '', 'no NBD connection left');
    await os(alice, 'network', 'delete', 'net-v');
    await until(async () => !(await sh('ip', ['netns', 'list'])).stdout.includes(qdhcp), 60_000, 'the DHCP namespace removed');
    const guests = (await sh('pgrep', ['-af', 'qemu-system'], { allowFailure: true })).stdout.split('\n').filter((l) => l.includes(cloud.dir));
    assert.deepEqual(guests, [], 'no QEMU guest left once the servers are deleted');
    const made = cloud.namespaces();
    await cloud.stop();
    const namespaces = (await sh('ip', ['netns', 'list'])).stdout;
    assert.deepEqual(
      made.filter((ns) => namespaces.includes(ns)),
      [],
      'no namespace of the test left',
    );
    const qemus = (await sh('pgrep', ['-af', 'qemu-'], { allowFailure: true })).stdout.split('\n').filter((l) => l.includes(cloud.dir));
    assert.deepEqual(qemus, [], 'no QEMU or qemu-storage-daemon of the test left');
    note(`whole test: ${Date.now() - t0} ms`);
  });
});
