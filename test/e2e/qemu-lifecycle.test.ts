import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { banners, ensureGuestImage, IMAGE_ID, pidsOf, qemuStatus } from '../integration/qemu-support.ts';
import { mysqlSkip, qemuSkip, rabbitSkip } from '../support/backends.ts';
import { ApiClient } from '../support/cloud.ts';
import { type Cluster, startCluster } from '../support/cluster.ts';
import { Daemon, until } from '../support/procs.ts';

/**
 * A real guest booted through the REST API with the qemu driver, with
 * nova-api, nova-scheduler, nova-conductor and nova-compute as separate
 * processes over RabbitMQ and MariaDB. Every action is checked against
 * QEMU's own query-status; nova-compute killed with SIGKILL and restarted
 * adopts its guests; a guest killed from outside becomes SHUTOFF.
 */
describe('real guests through the API (qemu driver, TCG)', () => {
  let skip: string | undefined;
  let cluster: Cluster;
  let api: ApiClient;
  let imageDir = '';
  const instancesPath = () => path.join(cluster.dir, 'kvm-1', 'instances');

  before(async () => {
    skip = (await qemuSkip()) ?? (await mysqlSkip()) ?? (await rabbitSkip());
    if (skip) return;
    const disk = ensureGuestImage();
    imageDir = fs.mkdtempSync('/tmp/nova-e2e-images-');
    fs.copyFileSync(disk, path.join(imageDir, `${IMAGE_ID}.qcow2`));
    cluster = await startCluster({
      computes: [
        {
          host: 'kvm-1',
          conf: {
            DEFAULT: { compute_driver: 'qemu.QemuDriver', sync_power_state_interval: 2, reserved_host_memory_mb: 0 },
            qemu: { local_image_dir: imageDir, shutdown_timeout: 30 },
          },
        },
      ],
    });
    api = new ApiClient(cluster.url);
  });
  after(async () => {
    await cluster?.stop(); // undefined when skipped or when startCluster failed (it cleaned up itself)
    if (imageDir) fs.rmSync(imageDir, { recursive: true, force: true });
  });

  const consoleText = async (id: string) => ((await api.post<{ output: string }>(`/servers/${id}/action`, { 'os-getConsoleOutput': {} })).body.output ?? '') as string;
  const waitBanners = (id: string, n: number) => until(async () => banners(await consoleText(id)) >= n, 90_000, `${n} boot banner(s) of ${id}`, 500);
  const act = async (id: string, body: unknown) => assert.equal((await api.post(`/servers/${id}/action`, body)).status, 202, JSON.stringify(body));

  it('boots a guest to its banner and runs every action, checked against QEMU', async (t) => {
    if (skip) return t.skip(skip);
    const id = await api.boot('real-1', { imageRef: IMAGE_ID, flavorRef: '42' });
    const s = await api.waitFor(id, ['ACTIVE'], 120_000);
    assert.equal(s['OS-EXT-SRV-ATTR:host'], 'kvm-1');
    await waitBanners(id, 1);
    assert.equal(await qemuStatus(instancesPath(), id), 'running');

    await act(id, { pause: null });
    await api.waitFor(id, ['PAUSED'], 60_000);
    assert.equal(await qemuStatus(instancesPath(), id), 'paused');
    await act(id, { unpause: null });
    await api.waitFor(id, ['ACTIVE'], 60_000);
    assert.equal(await qemuStatus(instancesPath(), id), 'running');

    await act(id, { suspend: null });
    await api.waitFor(id, ['SUSPENDED'], 60_000);
    assert.deepEqual(pidsOf(id), [], 'a suspended guest has no QEMU process');
    await act(id, { resume: null });
    await api.waitFor(id, ['ACTIVE'], 60_000);
    assert.equal(await qemuStatus(instancesPath(), id), 'running');

    await act(id, { reboot: { type: 'HARD' } });
    await api.waitFor(id, ['ACTIVE'], 60_000);
    await waitBanners(id, 2);
    await act(id, { reboot: { type: 'SOFT' } });
    await api.waitFor(id, ['ACTIVE'], 120_000);
    await waitBanners(id, 3);
    assert.equal(await qemuStatus(instancesPath(), id), 'running');

    await act(id, { 'os-stop': null });
    await api.waitFor(id, ['SHUTOFF'], 120_000);
    assert.deepEqual(pidsOf(id), [], 'a stopped guest has no QEMU process');
    await act(id, { 'os-start': null });
    await api.waitFor(id, ['ACTIVE'], 60_000);
    assert.equal(await qemuStatus(instancesPath(), id), 'running');

    assert.equal((await api.delete(`/servers/${id}`)).status, 204);
    await api.waitGone(id, 60_000);
    assert.deepEqual(pidsOf(id), [], 'no QEMU process left');
    assert.equal(fs.existsSync(path.join(instancesPath(), id)), false, 'no instance files left');
  });

  it('adopts running guests after nova-compute is killed and restarted; a guest killed from outside becomes SHUTOFF', async (t) => {
    if (skip) return t.skip(skip);
    const ids = [await api.boot('adopt-1', { imageRef: IMAGE_ID, flavorRef: '42' }), await api.boot('adopt-2', { imageRef: IMAGE_ID, flavorRef: '42' })];
    for (const id of ids) await api.waitFor(id, ['ACTIVE'], 120_000);
    const compute = cluster.daemons.find((d) => d.name === 'kvm-1') as Daemon;
    const args = compute.proc.spawnargs.slice(2);
    compute.kill('SIGKILL');
    await compute.exited;
    for (const id of ids) assert.equal(await qemuStatus(instancesPath(), id), 'running', 'guests survive the compute process');
    const restarted = new Daemon('kvm-1b', 'nova-compute', args);
    cluster.daemons.push(restarted);
    await restarted.waitFor(/service started/, 60_000);
    await act(ids[0] as string, { pause: null });
    await api.waitFor(ids[0] as string, ['PAUSED'], 60_000);
    assert.equal(await qemuStatus(instancesPath(), ids[0] as string), 'paused');

    for (const pid of pidsOf(ids[1] as string)) process.kill(pid, 'SIGKILL');
    const started = Date.now();
    const s = await api.waitFor(ids[1] as string, ['SHUTOFF'], 30_000);
    assert.equal(s['OS-EXT-STS:power_state'], 4);
    assert.ok(Date.now() - started < 10_000, 'within a sync interval or two');
    for (const id of ids) await api.delete(`/servers/${id}`);
    for (const id of ids) await api.waitGone(id, 60_000);
    await sleep(100);
  });
});
