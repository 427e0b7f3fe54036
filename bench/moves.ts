/**
 * Server moves: a resize round trip on the fake driver (embedded cloud, two
 * computes), and with real guests (qemu driver, TCG) on two compute hosts
 * that are network namespaces of their own (test/support/netns-cloud.ts):
 * live migration of a running 128 MiB guest with its disk — the total time
 * and the downtime, seen as the longest gap between the lines of a counter
 * the guest prints on its serial console every 50 ms, followed on both
 * hosts' console logs — and the time to snapshot a running guest into the
 * image service.
 */
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { instancePaths } from '../src/virt/qemu/paths.ts';
import { BANNER, serialCommand } from '../test/integration/qemu-support.ts';
import { mysqlSkip, qemuSkip, rabbitSkip } from '../test/support/backends.ts';
import { ApiClient, startCloud } from '../test/support/cloud.ts';
import { ensureGuestImage } from '../test/support/guest-image.ts';
import { netnsSkip } from '../test/support/netns.ts';
import { type NetnsHost, startNetnsCloud } from '../test/support/netns-cloud.ts';
import { until } from '../test/support/procs.ts';
import { ms, printTable, summary } from './stats.ts';

const ROUNDS = 10;
const COUNTER_PERIOD_MS = 50;

/** Resize to VERIFY_RESIZE, confirm to ACTIVE; resize and revert to ACTIVE: medians over ROUNDS each. */
async function resizeRoundTrip(): Promise<(string | number)[][]> {
  const cloud = await startCloud({ computes: ['r1', 'r2'], overrides: { fake: { memory_mb: '65536', vcpus: '64', local_gb: '1000' } } });
  const api = new ApiClient(cloud.url, 'admin:admin', '2.80');
  try {
    // Flavors with the same disk (a disk may not shrink), resized between.
    for (const [name, ram] of [
      ['bench-a', 512],
      ['bench-b', 1024],
      ['bench-c', 2048],
    ] as const) {
      const f = await api.post('/flavors', { flavor: { name, id: name, ram, vcpus: 1, disk: 1 } });
      if (f.status !== 200) throw new Error(`flavor ${name}: ${f.status} ${JSON.stringify(f.body)}`);
    }
    const id = await api.boot('bench-resize', { networks: 'none', flavorRef: 'bench-a' });
    await api.waitFor(id, ['ACTIVE']);
    const act = async (body: unknown, status: number) => {
      const r = await api.post(`/servers/${id}/action`, body);
      if (r.status !== status) throw new Error(`${JSON.stringify(body)}: ${r.status} ${JSON.stringify(r.body)}`);
    };
    // Polled every 2 ms (ApiClient.waitFor polls every 50 ms, too coarse for these figures).
    const waitFor = async (status: string) => {
      for (;;) {
        const s = await api.server(id);
        if (s.status === status && s['OS-EXT-STS:task_state'] === null) return;
        if (s.status === 'ERROR') throw new Error('the server went to ERROR');
        await sleep(2);
      }
    };
    const toVerify: number[] = [];
    const confirm: number[] = [];
    const confirmTrip: number[] = [];
    const revertTrip: number[] = [];
    const flavors = ['bench-b', 'bench-a'];
    for (let i = 0; i < ROUNDS; i++) {
      const t0 = performance.now();
      await act({ resize: { flavorRef: flavors[i % 2] } }, 202);
      await waitFor('VERIFY_RESIZE');
      const t1 = performance.now();
      await act({ confirmResize: null }, 204);
      await waitFor('ACTIVE');
      const t2 = performance.now();
      toVerify.push(t1 - t0);
      confirm.push(t2 - t1);
      confirmTrip.push(t2 - t0);
    }
    for (let i = 0; i < ROUNDS; i++) {
      const t0 = performance.now();
      await act({ resize: { flavorRef: 'bench-c' } }, 202);
      await waitFor('VERIFY_RESIZE');
      await act({ revertResize: null }, 202);
      await waitFor('ACTIVE');
      revertTrip.push(performance.now() - t0);
    }
    return [
      ['fake: resize, POST to VERIFY_RESIZE (another host)', ms(summary(toVerify).p50)],
      ['fake: confirmResize to ACTIVE', ms(summary(confirm).p50)],
      ['fake: resize round trip, resize + confirm', ms(summary(confirmTrip).p50)],
      ['fake: resize round trip, resize + revert', ms(summary(revertTrip).p50)],
    ];
  } finally {
    await cloud.stop();
  }
}

/** Host-clock times at which each counter value first showed in either host's console log. */
function followCounter(logs: () => string[]): { seen: Map<number, number>; stop: () => Promise<void> } {
  const seen = new Map<number, number>();
  let on = true;
  const loop = (async () => {
    while (on) {
      const now = performance.now();
      for (const text of logs()) for (const m of text.matchAll(/NOVA-COUNT (\d+)/g)) if (!seen.has(Number(m[1]))) seen.set(Number(m[1]), now);
      await sleep(5);
    }
  })();
  return {
    seen,
    stop: async () => {
      on = false;
      await loop;
    },
  };
}

/** The longest gap between consecutive counter values from `from` on (ms). */
function longestGap(seen: Map<number, number>, from: number): number {
  const values = [...seen.keys()].filter((v) => v >= from).sort((a, b) => a - b);
  let gap = 0;
  for (let i = 1; i < values.length; i++) gap = Math.max(gap, (seen.get(values[i] as number) as number) - (seen.get(values[i - 1] as number) as number));
  return gap;
}

async function realGuests(): Promise<(string | number)[][]> {
  const skip = (await qemuSkip()) ?? (await mysqlSkip()) ?? (await rabbitSkip()) ?? (await netnsSkip());
  if (skip) return [['qemu: live migration and snapshot', `skipped: ${skip}`]];
  const disk = ensureGuestImage();
  const cloud = await startNetnsCloud({
    hosts: ['bench-a', 'bench-b'],
    computeConf: { DEFAULT: { compute_driver: 'qemu.QemuDriver', reserved_host_memory_mb: 0 }, qemu: { shutdown_timeout: 30, spice_enabled: false } },
  });
  try {
    const api = cloud.api;
    const token = { 'X-Auth-Token': 'admin:admin' };
    const created = await fetch(`${cloud.imageUrl}/v2/images`, {
      method: 'POST',
      headers: { ...token, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'nova-guest', disk_format: 'qcow2', container_format: 'bare', visibility: 'public' }),
    });
    const imageId = ((await created.json()) as { id: string }).id;
    await fetch(`${cloud.imageUrl}/v2/images/${imageId}/file`, { method: 'PUT', headers: { ...token, 'Content-Type': 'application/octet-stream' }, body: fs.readFileSync(disk) });
    const id = await api.boot('bench-live', { imageRef: imageId, flavorRef: '42' });
    await api.waitFor(id, ['ACTIVE'], 240_000);
    const hostOf = async (): Promise<NetnsHost> => {
      const name = String((await api.server(id))['OS-EXT-SRV-ATTR:host']);
      return cloud.hosts.find((h) => h.host === name) as NetnsHost;
    };
    const files = (h: NetnsHost) => instancePaths(h.instancesPath, id);
    const read = (h: NetnsHost) => {
      try {
        return fs.readFileSync(files(h).consoleLog, 'utf8');
      } catch {
        return '';
      }
    };
    let h = await hostOf();
    await until(async () => read(h).includes(BANNER), 240_000, 'the guest banner', 200);
    await serialCommand(
      files(h).serial,
      `(i=0; while :; do i=$((i+1)); echo "NOVA-COUNT $i"; sleep ${COUNTER_PERIOD_MS / 1000}; done) > /dev/ttyS0 & echo STAR""TED`,
      'STARTED',
      60_000,
    );
    const counter = followCounter(() => cloud.hosts.map(read));
    const total: number[] = [];
    const downtime: number[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        await until(async () => counter.seen.size > 20, 60_000, 'the counter', 50);
        const dest = cloud.hosts.find((x) => x !== h) as NetnsHost;
        const from = Math.max(...counter.seen.keys());
        const t0 = performance.now();
        const r = await api.at('2.30').post(`/servers/${id}/action`, { 'os-migrateLive': { host: dest.host, block_migration: 'auto' } });
        if (r.status !== 202) throw new Error(`os-migrateLive: ${r.status} ${JSON.stringify(r.body)}`);
        await until(async () => (await api.server(id))['OS-EXT-SRV-ATTR:host'] === dest.host, 300_000, 'the server on the destination', 50);
        await api.waitFor(id, ['ACTIVE'], 300_000);
        total.push(performance.now() - t0);
        const last = Math.max(...counter.seen.keys());
        await until(async () => Math.max(...counter.seen.keys()) > last + 10, 60_000, 'the counter at the destination', 50);
        downtime.push(longestGap(counter.seen, from));
        h = dest;
      }
    } finally {
      await counter.stop();
    }
    const snaps: number[] = [];
    for (let i = 0; i < 2; i++) {
      const t0 = performance.now();
      const r = await api.at('2.45').post(`/servers/${id}/action`, { createImage: { name: `bench-snap-${i}` } });
      const snap = String((r.body as { image_id?: string }).image_id);
      await until(
        async () => ((await (await fetch(`${cloud.imageUrl}/v2/images/${snap}`, { headers: token })).json()) as { status?: string }).status === 'active',
        240_000,
        'the snapshot active',
        50,
      );
      snaps.push(performance.now() - t0);
      await api.waitFor(id, ['ACTIVE'], 60_000);
    }
    const size = (await (await fetch(`${cloud.imageUrl}/v2/images?name=bench-snap-0`, { headers: token })).json()) as { images: { size?: number }[] };
    return [
      ['qemu: live migration of a running 128 MiB guest with its disk, POST to ACTIVE on the other host', ms(summary(total).p50)],
      [`qemu: live migration downtime (longest gap in a ${COUNTER_PERIOD_MS} ms serial counter)`, ms(summary(downtime).p50)],
      [`qemu: snapshot of a running guest, POST to an active image (${((size.images[0]?.size ?? 0) / 1048576).toFixed(1)} MiB)`, ms(summary(snaps).p50)],
    ];
  } finally {
    await cloud.stop();
  }
}

export async function benchMoves(): Promise<void> {
  const rows = [...(await resizeRoundTrip()), ...(await realGuests())];
  printTable(`Server moves (medians; fake: ${ROUNDS} rounds, embedded; qemu: 2 runs, TCG, two hosts as network namespaces)`, ['what', 'time'], rows);
}
