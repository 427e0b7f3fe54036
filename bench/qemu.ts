import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { BANNER, ensureGuestImage, IMAGE_ID } from '../test/integration/qemu-support.ts';
import { qemuSkip } from '../test/support/backends.ts';
import { ApiClient, startCloud } from '../test/support/cloud.ts';
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
  const rss = () => {
    (globalThis as { gc?: () => void }).gc?.();
    return process.memoryUsage().rss;
  };
  const rss0 = rss();
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
    const perGuest = (rss() - rss0) / ids.length / 1048576;
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
        ['control-plane RSS added per running guest (all services, one process)', `${perGuest.toFixed(1)} MiB`, ''],
      ],
    );
  } finally {
    await cloud.stop();
    fs.rmSync(imageDir, { recursive: true, force: true });
  }
}
