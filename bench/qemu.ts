import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { BANNER, ensureGuestImage, IMAGE_ID } from '../test/integration/qemu-support.ts';
import { mysqlSkip, qemuSkip, rabbitSkip } from '../test/support/backends.ts';
import { ApiClient, startCloud } from '../test/support/cloud.ts';
import { startCluster } from '../test/support/cluster.ts';
import { ms, printTable, summary } from './stats.ts';

/** Seconds from starting a bare qemu-system-x86_64 (same guest, same flags class) to its banner. */
async function bareBoot(disk: string): Promise<number> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bare-'));
  const log = path.join(dir, 'console.log');
  const t0 = performance.now();
  const p = spawn(
    'qemu-system-x86_64',
    ['-accel', 'tcg', '-m', '128M', '-smp', '1', '-machine', 'pc', '-nodefaults', '-display', 'none', '-drive', `file=${disk},if=virtio,snapshot=on`, '-serial', `file:${log}`],
    { stdio: 'ignore' },
  );
  try {
    for (;;) {
      if (fs.existsSync(log) && fs.readFileSync(log, 'utf8').includes(BANNER)) return performance.now() - t0;
      if (performance.now() - t0 > 120_000) throw new Error('bare qemu: no banner');
      await sleep(20);
    }
  } finally {
    p.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) / 1024;
}

/** RSS of a separate nova-compute process with 0 and with 3 running guests (needs MariaDB and RabbitMQ). */
async function computeRssPerGuest(imageDir: string): Promise<(string | number)[][]> {
  if ((await mysqlSkip()) || (await rabbitSkip())) return [['nova-compute RSS per guest (separate process)', 'skipped: no MariaDB/RabbitMQ', '']];
  const cluster = await startCluster({
    computes: [
      { host: 'bench-kvm', conf: { DEFAULT: { compute_driver: 'qemu.QemuDriver', reserved_host_memory_mb: 0, report_interval: 10 }, qemu: { local_image_dir: imageDir } } },
    ],
  });
  const api = new ApiClient(cluster.url);
  const compute = cluster.daemons.find((d) => d.name === 'bench-kvm');
  try {
    const warm = await api.boot('warm', { imageRef: IMAGE_ID, flavorRef: '42' });
    await api.waitFor(warm, ['ACTIVE'], 120_000);
    await api.delete(`/servers/${warm}`);
    await api.waitGone(warm, 60_000);
    await sleep(2000);
    const before = rssOf(compute?.proc.pid as number);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(await api.boot(`rss-${i}`, { imageRef: IMAGE_ID, flavorRef: '42' }));
    for (const id of ids) await api.waitFor(id, ['ACTIVE'], 120_000);
    await sleep(2000);
    const after = rssOf(compute?.proc.pid as number);
    for (const id of ids) await api.delete(`/servers/${id}`);
    for (const id of ids) await api.waitGone(id, 60_000);
    return [
      ['nova-compute RSS, separate process, no guests', `${before.toFixed(0)} MiB`, ''],
      ['nova-compute RSS added per running guest (3 guests)', `${((after - before) / 3).toFixed(1)} MiB`, ''],
    ];
  } finally {
    await cluster.stop();
  }
}

/** Real guests through the API (embedded cloud, qemu driver) next to a bare QEMU command line. */
export async function benchQemu(): Promise<void> {
  if (await qemuSkip()) {
    console.log('\nqemu: skipped (qemu-system-x86_64 not installed)');
    return;
  }
  const disk = ensureGuestImage();
  const imageDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-images-'));
  fs.copyFileSync(disk, path.join(imageDir, `${IMAGE_ID}.qcow2`));
  const bare: number[] = [];
  for (let i = 0; i < 3; i++) bare.push(await bareBoot(disk));
  const cloud = await startCloud({
    computes: ['q'],
    overrides: { DEFAULT: { compute_driver: 'qemu.QemuDriver', reserved_host_memory_mb: '0' }, qemu: { local_image_dir: imageDir } },
  });
  const api = new ApiClient(cloud.url);
  const toActive: number[] = [];
  const toBanner: number[] = [];
  const ids: string[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      const t0 = Date.now();
      const id = await api.boot(`bench-q${i}`, { imageRef: IMAGE_ID, flavorRef: '42' });
      ids.push(id);
      const s = await api.waitFor(id, ['ACTIVE'], 120_000);
      toActive.push(Date.parse(`${s['OS-SRV-USG:launched_at']}Z`) - t0);
      for (;;) {
        const out = await api.post<{ output: string }>(`/servers/${id}/action`, { 'os-getConsoleOutput': {} });
        if (out.body.output?.includes(BANNER)) break;
        await sleep(20);
      }
      toBanner.push(Date.now() - t0);
    }
    for (const id of ids) await api.delete(`/servers/${id}`);
    for (const id of ids) await api.waitGone(id, 60_000);
    const b = summary(bare).p50;
    const a = summary(toBanner).p50;
    printTable(
      'Real guests (TCG, 128 MiB, 1 vCPU; the tiny test guest), medians of 3',
      ['what', 'time', 'ratio to bare QEMU'],
      [
        ['bare qemu-system-x86_64: start to banner', ms(b), '1.00'],
        ['nova: POST /servers to ACTIVE', ms(summary(toActive).p50), ''],
        ['nova: POST /servers to banner in os-getConsoleOutput', ms(a), (a / b).toFixed(2)],
        ...(await computeRssPerGuest(imageDir)),
      ],
    );
  } finally {
    await cloud.stop();
    fs.rmSync(imageDir, { recursive: true, force: true });
  }
}
