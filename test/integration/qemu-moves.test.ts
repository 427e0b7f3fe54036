/**
 * Real guests moved between two compute hosts that are machines of their
 * own: each nova-compute (qemu driver) runs in a network namespace with its
 * own address, the controller and the image service in the root namespace
 * (test/support/netns-cloud.ts). Disks go between the hosts over NBD with
 * TLS-PSK, guests over QEMU's migration stream, both bound to the hosts'
 * addresses. What the guest sees is read on its serial console (a unix
 * socket in its host's instance directory): a marker file written on its
 * disk before a move is read after it, the new flavor's memory and vCPUs
 * after a resize, a counter it prints keeps counting across a live
 * migration with no reboot.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { instancePaths } from '../../src/virt/qemu/paths.ts';
import { mysqlSkip, qemuSkip, rabbitSkip } from '../support/backends.ts';
import { ensureGuestImage } from '../support/guest-image.ts';
import { netnsSkip } from '../support/netns.ts';
import { type NetnsCloud, type NetnsHost, startNetnsCloud } from '../support/netns-cloud.ts';
import { until } from '../support/procs.ts';
import { BANNER, serialCommand } from './qemu-support.ts';

const note = (line: string) => process.stderr.write(`# ${line}\n`);

describe('moving real guests between two hosts (network namespaces, qemu driver, TCG)', { timeout: 1_200_000 }, () => {
  let skip: string | undefined;
  let cloud: NetnsCloud;
  let imageId = '';
  let server = '';
  const marker = `marker-${Date.now().toString(36)}`;

  before(async () => {
    skip = (await qemuSkip()) ?? (await mysqlSkip()) ?? (await rabbitSkip()) ?? (await netnsSkip());
    if (skip) return;
    const disk = ensureGuestImage();
    cloud = await startNetnsCloud({
      hosts: ['host-a', 'host-b'],
      computeConf: {
        DEFAULT: { compute_driver: 'qemu.QemuDriver', reserved_host_memory_mb: 0, sync_power_state_interval: 5 },
        qemu: { shutdown_timeout: 30, spice_enabled: false },
      },
    });
    const headers = { 'X-Auth-Token': 'admin:admin', 'Content-Type': 'application/json' };
    const created = await fetch(`${cloud.imageUrl}/v2/images`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ name: 'nova-guest', disk_format: 'qcow2', container_format: 'bare', visibility: 'public' }),
    });
    imageId = ((await created.json()) as { id: string }).id;
    const put = await fetch(`${cloud.imageUrl}/v2/images/${imageId}/file`, {
      method: 'PUT',
      headers: { 'X-Auth-Token': 'admin:admin', 'Content-Type': 'application/octet-stream' },
      body: fs.readFileSync(disk),
    });
    assert.equal(put.status, 204);
    const flavor = await cloud.api.post('/flavors', { flavor: { name: 'm1.move', id: 'move', ram: 192, vcpus: 2, disk: 2 } });
    assert.equal(flavor.status, 200, JSON.stringify(flavor.body));
  });
  after(async () => {
    await cloud?.stop();
  });

  const api = () => cloud.api;
  const hostOf = async (id: string): Promise<NetnsHost> => {
    const name = String((await api().server(id))['OS-EXT-SRV-ATTR:host']);
    const h = cloud.hosts.find((x) => x.host === name);
    if (!h) throw new Error(`server ${id} is on ${name}, not one of the test's hosts`);
    return h;
  };
  const other = (h: NetnsHost) => cloud.hosts.find((x) => x !== h) as NetnsHost;
  const files = (h: NetnsHost, id: string) => instancePaths(h.instancesPath, id);
  const consoleLog = (h: NetnsHost, id: string) => fs.readFileSync(files(h, id).consoleLog, 'utf8');
  const bootLines = (h: NetnsHost, id: string) =>
    consoleLog(h, id)
      .split('\n')
      .filter((l) => l.includes(BANNER));
  const waitBoots = (h: NetnsHost, id: string, n: number) => until(async () => bootLines(h, id).length >= n, 240_000, `${n} boot(s) of ${id} on ${h.host}`, 500);
  /** Run `cmd` on the guest's serial console; `expect` must be something the command prints, not what it echoes. */
  const shell = (h: NetnsHost, id: string, cmd: string, expect: string) => serialCommand(files(h, id).serial, cmd, expect, 60_000);
  /** An action and the status Nova answers it with (202 unless said: confirmResize 204, rescue 200). */
  const act = async (id: string, body: unknown, version = '2.1', status = 202) => {
    const r = await api().at(version).post(`/servers/${id}/action`, body);
    assert.equal(r.status, status, `${JSON.stringify(body)}: ${r.status} ${JSON.stringify(r.body)}`);
    return r;
  };
  /** QEMU processes of the instance inside a host's namespace. */
  const qemusIn = async (h: NetnsHost, id: string) => {
    const i = cloud.hosts.indexOf(h);
    const pids = await cloud.net.pids(i);
    return pids.filter((pid) => {
      try {
        return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(id);
      } catch {
        return false;
      }
    });
  };
  const readMarker = (h: NetnsHost, id: string, dev: string) =>
    shell(h, id, `mkdir -p /mnt/d && mount ${dev} /mnt/d && tr a-z A-Z < /mnt/d/marker.txt; umount /mnt/d`, marker.toUpperCase());

  it('cold-migrates a running guest with a resize: it boots on the other host with the new flavor and its disk', async (t) => {
    if (skip) return t.skip(skip);
    server = await api().boot('mover', { imageRef: imageId, flavorRef: '42' });
    await api().waitFor(server, ['ACTIVE'], 240_000);
    const source = await hostOf(server);
    await waitBoots(source, server, 1);
    assert.match(bootLines(source, server)[0] ?? '', /mem=\d+kB/);
    await shell(source, server, `mkdir -p /mnt/d && mount /dev/vda1 /mnt/d && echo ${marker} > /mnt/d/marker.txt && sync && umount /mnt/d && echo WRO""TE`, 'WROTE');

    const started = Date.now();
    await act(server, { resize: { flavorRef: 'move' } });
    const s = await api().waitFor(server, ['VERIFY_RESIZE'], 300_000);
    note(`resize to another host: ${Date.now() - started} ms from the request to VERIFY_RESIZE`);
    const dest = await hostOf(server);
    assert.notEqual(dest.host, source.host, 'moved to the other host');
    assert.equal((s.flavor as { original_name?: string }).original_name ?? 'm1.move', 'm1.move');
    await waitBoots(dest, server, 1);
    const mem = Number(/mem=(\d+)kB/.exec(bootLines(dest, server)[0] ?? '')?.[1]);
    assert.ok(mem > 140_000, `the guest has the new flavor's 192 MiB (MemTotal ${mem} kB)`);
    await shell(dest, server, 'echo "C""PUS=$(grep -c ^processor /proc/cpuinfo)"', 'CPUS=2');
    await readMarker(dest, server, '/dev/vda1');
    assert.ok(fs.existsSync(`${files(source, server).dir}_resize`), 'the source keeps the disk until the resize is confirmed');

    await act(server, { confirmResize: null }, '2.1', 204);
    await api().waitFor(server, ['ACTIVE'], 120_000);
    await until(async () => !fs.existsSync(`${files(source, server).dir}_resize`), 60_000, 'the source to drop its kept disk');
    assert.deepEqual(await qemusIn(source, server), [], 'no QEMU nor disk export left for the instance on the source');
  });

  it('live-migrates the running guest back with its disk: its counter keeps counting, no reboot', async (t) => {
    if (skip || !server) return t.skip(skip ?? 'no server');
    const source = await hostOf(server);
    const dest = other(source);
    await shell(source, server, '(i=0; while :; do i=$((i+1)); echo "NOVA-COUNT $i"; sleep 0.2; done) > /dev/ttyS0 & echo STAR""TED', 'STARTED');
    await until(async () => /NOVA-COUNT 5\b/.test(consoleLog(source, server)), 60_000, 'the counter', 200);
    // The kernel's boot id changes with every boot and with nothing else (a guest clock may jump under TCG across a migration).
    // The counter's lines may cut into the answer on the serial console: asked again until it reads whole.
    const bootId = async (h: NetnsHost) => {
      for (let attempt = 0; attempt < 8; attempt++) {
        const m = /BOOTID=([0-9a-f-]{36})/.exec(await shell(h, server, 'echo "BOOT""ID=$(cat /proc/sys/kernel/random/boot_id)"', 'BOOTID='));
        if (m) return m[1];
      }
      return undefined;
    };
    const bootBefore = await bootId(source);
    assert.ok(bootBefore, 'the boot id of the guest');
    const counts = (text: string) => [...text.matchAll(/NOVA-COUNT (\d+)/g)].map((m) => Number(m[1]));
    // The source's files go once the guest left: follow its console meanwhile.
    let lastOnSource = 0;
    let following = true;
    const follow = (async () => {
      while (following) {
        try {
          lastOnSource = Math.max(lastOnSource, ...counts(consoleLog(source, server)));
        } catch {
          return;
        }
        await sleep(100);
      }
    })();
    const started = Date.now();
    await act(server, { 'os-migrateLive': { host: dest.host, block_migration: 'auto' } }, '2.30');
    const s = await api()
      .waitFor(server, ['ACTIVE'], 300_000)
      .finally(() => {
        following = false;
      });
    await follow;
    note(`live migration: ${Date.now() - started} ms from the request to ACTIVE on ${dest.host}`);
    assert.equal(s['OS-EXT-SRV-ATTR:host'], dest.host);
    await until(async () => counts(consoleLog(dest, server)).some((n) => n > lastOnSource + 3), 60_000, 'the counter to go on at the destination', 200);
    const first = counts(consoleLog(dest, server))[0] ?? 0;
    assert.ok(first <= lastOnSource + 2, `the count went on where it was (${lastOnSource} on the source, ${first} first at the destination)`);
    assert.equal(bootLines(dest, server).length, 0, 'no boot at the destination');
    assert.equal(await bootId(dest), bootBefore, 'the same boot of the guest');
    await readMarker(dest, server, '/dev/vda1');
    await until(async () => (await qemusIn(source, server)).length === 0 && !fs.existsSync(files(source, server).dir), 60_000, 'the source to have nothing of it left');
  });

  it('snapshots the running guest; a server booted from the snapshot has the marker', async (t) => {
    if (skip || !server) return t.skip(skip ?? 'no server');
    const started = Date.now();
    const r = await act(server, { createImage: { name: 'mover-snap' } }, '2.45');
    const snap = String((r.body as { image_id?: string }).image_id);
    await until(
      async () => {
        const img = (await (await fetch(`${cloud.imageUrl}/v2/images/${snap}`, { headers: { 'X-Auth-Token': 'admin:admin' } })).json()) as { status?: string };
        return img.status === 'active';
      },
      240_000,
      'the snapshot image to be active',
      500,
    );
    await api().waitFor(server, ['ACTIVE'], 60_000);
    note(`snapshot through the API: ${Date.now() - started} ms to an active image`);
    const copy = await api().boot('from-snapshot', { imageRef: snap, flavorRef: 'move' });
    await api().waitFor(copy, ['ACTIVE'], 240_000);
    const h = await hostOf(copy);
    await waitBoots(h, copy, 1);
    await readMarker(h, copy, '/dev/vda1');
    assert.equal((await api().delete(`/servers/${copy}`)).status, 204);
    await api().waitGone(copy, 120_000);
  });

  it("rescues the guest: the rescue image boots with the guest's disk second; unrescue boots the disk again", async (t) => {
    if (skip || !server) return t.skip(skip ?? 'no server');
    const h = await hostOf(server);
    const boots = bootLines(h, server).length;
    await act(server, { rescue: {} }, '2.1', 200);
    await api().waitFor(server, ['RESCUE'], 240_000);
    await waitBoots(h, server, boots + 1);
    assert.match(bootLines(h, server).at(-1) ?? '', /disks=vda,vdb\b/);
    await readMarker(h, server, '/dev/vdb1');
    await act(server, { unrescue: null });
    await api().waitFor(server, ['ACTIVE'], 240_000);
    await waitBoots(h, server, boots + 2);
    assert.match(bootLines(h, server).at(-1) ?? '', /disks=vda /);
    await readMarker(h, server, '/dev/vda1');
    assert.equal((await api().delete(`/servers/${server}`)).status, 204);
    await api().waitGone(server, 120_000);
    await sleep(100);
    assert.deepEqual(await qemusIn(h, server), []);
    assert.equal(fs.existsSync(path.join(h.instancesPath, server)), false);
  });
});
