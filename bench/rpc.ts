import { performance } from 'node:perf_hooks';
import { adminContext } from '../src/context.ts';
import { silentLogger } from '../src/log.ts';
import { RpcClient } from '../src/rpc/client.ts';
import { MemoryTransport } from '../src/rpc/memory.ts';
import { RabbitTransport } from '../src/rpc/rabbit.ts';
import { RpcServer } from '../src/rpc/server.ts';
import type { Transport } from '../src/rpc/transport.ts';
import { parseTransportUrl } from '../src/rpc/url.ts';
import { createRabbitVhost, rabbitSkip } from '../test/support/backends.ts';
import { ms, printTable, summary } from './stats.ts';

const PAYLOAD = 'x'.repeat(1024);

async function measure(name: string, make: () => Transport): Promise<(string | number)[]> {
  const ts = make();
  const tc = make();
  await ts.connect();
  await tc.connect();
  let received = 0;
  let notify: (() => void) | null = null;
  let target = 0;
  const server = new RpcServer(
    ts,
    'bench',
    'h1',
    [
      {
        version: '1.0',
        methods: {
          echo: async (_c, a) => a.data,
          sink: async () => {
            received++;
            if (received >= target) notify?.();
          },
        },
      },
    ],
    silentLogger(),
  );
  await server.start();
  const client = new RpcClient(tc, { topic: 'bench', version: '1.0', timeoutMs: 30_000 });
  const ctx = adminContext();
  for (let i = 0; i < 200; i++) await client.call(ctx, 'echo', { data: PAYLOAD });

  // Latency: one call at a time.
  const samples: number[] = [];
  for (let i = 0; i < 2000; i++) {
    const t0 = performance.now();
    await client.call(ctx, 'echo', { data: PAYLOAD });
    samples.push(performance.now() - t0);
  }
  const lat = summary(samples);

  // Throughput: 32 calls in flight.
  const calls = 10_000;
  let next = 0;
  const t1 = performance.now();
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next++ < calls) await client.call(ctx, 'echo', { data: PAYLOAD });
    }),
  );
  const callRate = calls / ((performance.now() - t1) / 1000);

  // Casts: fire 20,000 and time until the server has handled all of them.
  const casts = 20_000;
  received = 0;
  target = casts;
  const done = new Promise<void>((r) => {
    notify = r;
  });
  const t2 = performance.now();
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < casts; i++) {
    inflight.push(client.cast(ctx, 'sink', { data: PAYLOAD }));
    if (inflight.length >= 256) await Promise.all(inflight.splice(0));
  }
  await Promise.all(inflight);
  await done;
  const castRate = casts / ((performance.now() - t2) / 1000);

  await server.stop();
  await ts.close();
  await tc.close();
  return [name, Math.round(callRate), ms(lat.p50), ms(lat.p99), Math.round(castRate)];
}

/** RPC figures for both transports: call round trips/s, call latency, casts/s (1 KiB payload). */
export async function benchRpc(): Promise<void> {
  const rows: (string | number)[][] = [];
  rows.push(await measure('memory://', () => new MemoryTransport('memory:///bench')));
  if (await rabbitSkip()) {
    rows.push(['rabbit://', 'skipped: RabbitMQ not reachable', '', '', '']);
  } else {
    const vh = createRabbitVhost();
    try {
      const url = parseTransportUrl(vh.url);
      rows.push(
        await measure(
          'rabbit://',
          () =>
            new RabbitTransport(url, {
              exchange: 'nova',
              retryIntervalMs: 1000,
              retryBackoffMs: 2000,
              maxIntervalMs: 30000,
              heartbeatSeconds: 60,
              prefetch: 64,
              connectAttempts: 3,
              sendWaitMs: 30000,
            }),
        ),
      );
    } finally {
      vh.drop();
    }
  }
  printTable('RPC (1 KiB payload; calls: 32 in flight for the rate, one at a time for latency)', ['transport', 'call round trips/s', 'call p50', 'call p99', 'casts/s'], rows);
}
