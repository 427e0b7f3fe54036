import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { adminContext } from '../../src/context.ts';
import { silentLogger } from '../../src/log.ts';
import { RpcClient } from '../../src/rpc/client.ts';
import { MessageDeliveryFailure, MessagingTimeout } from '../../src/rpc/errors.ts';
import { RabbitTransport } from '../../src/rpc/rabbit.ts';
import { RpcServer } from '../../src/rpc/server.ts';
import { parseTransportUrl } from '../../src/rpc/url.ts';
import { createRabbitVhost, RABBIT_HOST, RABBIT_PORT, rabbitSkip, uniqueName } from '../support/backends.ts';
import { runTransportSuite } from './transport.case.ts';

type RabbitOpts = ConstructorParameters<typeof RabbitTransport>[1];

function rabbit(url: string, events: RabbitOpts['events'] = {}, queues: Pick<RabbitOpts, 'durableQueues' | 'quorumQueues'> = {}) {
  return new RabbitTransport(parseTransportUrl(url), {
    exchange: 'nova',
    retryIntervalMs: 100,
    retryBackoffMs: 200,
    maxIntervalMs: 1000,
    heartbeatSeconds: 10,
    prefetch: 64,
    connectAttempts: 2,
    sendWaitMs: 3000,
    events,
    ...queues,
  });
}

for (const [label, queues] of [
  ['transient queues', {}],
  ['durable queues', { durableQueues: true }],
  ['quorum queues', { quorumQueues: true }],
] as const) {
  runTransportSuite(`rabbit:// (${label})`, async () => {
    const reason = await rabbitSkip();
    if (reason) return reason;
    const vh = createRabbitVhost();
    return { make: async () => rabbit(vh.url, {}, queues), cleanup: async () => vh.drop() };
  });
}

describe('RabbitMQ connection loss', () => {
  let skip: string | undefined;
  let vh: ReturnType<typeof createRabbitVhost> | null = null;
  before(async () => {
    skip = await rabbitSkip();
    if (!skip) vh = createRabbitVhost();
  });
  after(() => vh?.drop());

  it('a connection reset while its channels are set up fails that attempt, not the process, and the next attempt connects', async (t) => {
    if (skip || !vh) return t.skip(skip);
    // A proxy that resets the first connection at the client's fifth write: after the AMQP handshake, during channel set-up.
    let resets = 0;
    const proxy = net.createServer((client) => {
      const upstream = net.connect(RABBIT_PORT, RABBIT_HOST);
      let writes = 0;
      const first = resets === 0;
      client.on('data', (d) => {
        writes++;
        if (first && writes === 5) {
          resets++;
          client.resetAndDestroy();
          upstream.destroy();
          return;
        }
        upstream.write(d);
      });
      upstream.on('data', (d) => client.write(d));
      for (const s of [client, upstream]) s.on('error', () => {});
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const address = proxy.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const url = vh.url.replace(/@[^/]+\//, `@127.0.0.1:${port}/`);
    const tr = rabbit(url);
    try {
      await tr.connect();
      assert.equal(resets, 1, 'the first connection was reset during its set-up');
      const topic = uniqueName('t');
      const server = new RpcServer(tr, topic, 'h1', [{ version: '1.0', methods: { ping: async () => 'pong' } }], silentLogger());
      await server.start();
      assert.equal(await new RpcClient(tr, { topic, version: '1.0', timeoutMs: 3000 }).call(adminContext(), 'ping'), 'pong');
      await server.stop();
    } finally {
      await tr.close();
      await new Promise((r) => proxy.close(r));
    }
  });

  it('fails a call in flight with a timeout, reconnects with backoff and serves again', async (t) => {
    if (skip || !vh) return t.skip(skip);
    const events: string[] = [];
    const ts = rabbit(vh.url, { onDisconnect: () => events.push('server-down'), onReconnect: () => events.push('server-up') });
    const tc = rabbit(vh.url, { onDisconnect: () => events.push('client-down'), onReconnect: () => events.push('client-up') });
    try {
      await ts.connect();
      await tc.connect();
      const topic = uniqueName('t');
      const server = new RpcServer(ts, topic, 'h1', [{ version: '1.0', methods: { ping: async () => 'pong', hang: () => sleep(5000).then(() => 'late') } }], silentLogger());
      await server.start();
      const client = new RpcClient(tc, { topic, version: '1.0', timeoutMs: 1500 });
      const ctx = adminContext();
      assert.equal(await client.call(ctx, 'ping'), 'pong');

      const inflight = client.call(ctx, 'hang');
      await sleep(200);
      vh.closeConnections();
      await assert.rejects(inflight, (e: unknown) => e instanceof MessagingTimeout || e instanceof MessageDeliveryFailure);

      let answer: unknown = null;
      for (let i = 0; i < 50 && answer !== 'pong'; i++) {
        answer = await client.call(ctx, 'ping').catch(() => null);
        if (answer !== 'pong') await sleep(200);
      }
      assert.equal(answer, 'pong', 'calls work again after the reconnection');
      // The server answers as soon as its first consumer is back, and says it reconnected once all of them are: wait for the word.
      const reconnected = () => events.includes('server-down') && events.includes('server-up') && events.includes('client-up');
      for (let i = 0; i < 100 && !reconnected(); i++) await sleep(100);
      assert.ok(reconnected(), events.join(','));
      await server.stop();
    } finally {
      await ts.close();
      await tc.close();
    }
  });

  it('connect() fails with a clear message when the broker is unreachable', async () => {
    const t = rabbit('rabbit://guest:guest@127.0.0.1:1/');
    await assert.rejects(t.connect(), /cannot connect to the message bus rabbit:\/\/guest:\*\*\*\*@127\.0\.0\.1:1\/: connection refused by 127\.0\.0\.1:1/);
  });
});
