import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { adminContext, currentContext, type RequestContext } from '../../src/context.ts';
import { NotFound } from '../../src/exception/base.ts';
import { InstanceNotFound } from '../../src/exception/instance.ts';
import { silentLogger } from '../../src/log.ts';
import { RpcClient } from '../../src/rpc/client.ts';
import { MessageDeliveryFailure, MessagingTimeout, NoSuchMethod, RemoteError, UnsupportedVersion } from '../../src/rpc/errors.ts';
import { type Endpoint, RpcServer } from '../../src/rpc/server.ts';
import type { Transport } from '../../src/rpc/transport.ts';
import { uniqueName } from '../support/backends.ts';

export interface TransportHarness {
  /** A new transport on the shared bus (each service has its own). */
  make(): Promise<Transport>;
  cleanup(): Promise<void>;
}

/**
 * The RPC contract every transport must keep (oslo.messaging semantics):
 * call/cast/fanout, competing consumers, direct addressing, remote errors,
 * timeouts, version checks and context propagation.
 */
export function runTransportSuite(name: string, setup: () => Promise<TransportHarness | string>): void {
  describe(`RPC over ${name}`, () => {
    let h: TransportHarness | null = null;
    let skip: string | undefined;
    const transports: Transport[] = [];
    const servers: RpcServer[] = [];
    const log = silentLogger();

    before(async () => {
      const r = await setup();
      if (typeof r === 'string') skip = r;
      else h = r;
    });
    after(async () => {
      await Promise.race([Promise.allSettled(servers.map((s) => s.stop())), sleep(5000)]);
      for (const t of transports) await t.close().catch(() => {});
      await h?.cleanup();
    });

    async function transport(): Promise<Transport> {
      const t = await (h as TransportHarness).make();
      await t.connect();
      transports.push(t);
      return t;
    }

    async function serve(topic: string, server: string, endpoint: Endpoint): Promise<RpcServer> {
      const s = new RpcServer(await transport(), topic, server, [endpoint], log);
      await s.start();
      servers.push(s);
      return s;
    }

    async function client(topic: string, timeoutMs = 5000): Promise<RpcClient> {
      return new RpcClient(await transport(), { topic, version: '1.0', timeoutMs });
    }

    const ctx: RequestContext = { ...adminContext('req-conformance'), user_id: 'u1', project_id: 'p1' };

    it('call returns the remote result', async (t) => {
      if (skip) return t.skip(skip);
      const topic = uniqueName('t');
      await serve(topic, 'h1', { version: '1.2', methods: { add: async (_c, a) => (a.x as number) + (a.y as number) } });
      const c = await client(topic);
      assert.equal(await c.call<number>(ctx, 'add', { x: 2, y: 3 }), 5);
    });

    it('call raises the remote exception as the same class', async (t) => {
      if (skip) return t.skip(skip);
      const topic = uniqueName('t');
      await serve(topic, 'h1', {
        version: '1.0',
        methods: {
          missing: async () => {
            throw InstanceNotFound.of('i-1');
          },
          crash: async () => {
            throw new TypeError('kaputt');
          },
        },
      });
      const c = await client(topic);
      await assert.rejects(c.call(ctx, 'missing'), (e: unknown) => e instanceof InstanceNotFound && e instanceof NotFound && e.message === 'Instance i-1 could not be found.');
      await assert.rejects(c.call(ctx, 'crash'), (e: unknown) => e instanceof RemoteError && e.excType === 'TypeError' && /kaputt/.test(e.message));
    });

    it('call times out with MessagingTimeout when nobody answers', async (t) => {
      if (skip) return t.skip(skip);
      const topic = uniqueName('t');
      await serve(topic, 'h1', { version: '1.0', methods: { slow: () => sleep(3000).then(() => 1) } });
      const c = await client(topic, 300);
      const started = Date.now();
      await assert.rejects(c.call(ctx, 'slow'), MessagingTimeout);
      assert.ok(Date.now() - started < 2500);
    });

    it('call to a topic nobody consumes fails (timeout or undeliverable)', async (t) => {
      if (skip) return t.skip(skip);
      const c = (await client(uniqueName('nobody'), 300)).prepare({ server: 'ghost' });
      await assert.rejects(c.call(ctx, 'x'), (e: unknown) => e instanceof MessagingTimeout || e instanceof MessageDeliveryFailure);
    });

    it('cast is delivered without an answer', async (t) => {
      if (skip) return t.skip(skip);
      const topic = uniqueName('t');
      const got: unknown[] = [];
      await serve(topic, 'h1', { version: '1.0', methods: { note: async (_c, a) => void got.push(a.v) } });
      const c = await client(topic);
      await c.cast(ctx, 'note', { v: 'hello' });
      for (let i = 0; i < 100 && got.length === 0; i++) await sleep(20);
      assert.deepEqual(got, ['hello']);
    });

    it('a cast sent before any server listens waits for the first one (no message is dropped)', async (t) => {
      if (skip) return t.skip(skip);
      const topic = uniqueName('t');
      const c = await client(topic);
      await c.cast(ctx, 'note', { v: 'early' });
      await c.prepare({ server: 'h9' }).cast(ctx, 'note', { v: 'direct' });
      const got: unknown[] = [];
      await serve(topic, 'h9', { version: '1.0', methods: { note: async (_c, a) => void got.push(a.v) } });
      for (let i = 0; i < 150 && got.length < 2; i++) await sleep(20);
      assert.deepEqual([...got].sort(), ['direct', 'early']);
    });

    it('a cast to topic.server waits while that server is down and reaches it when it comes back', async (t) => {
      if (skip) return t.skip(skip);
      const topic = uniqueName('t');
      const got: unknown[] = [];
      const endpoint: Endpoint = { version: '1.0', methods: { note: async (_c, a) => void got.push(a.v) } };
      const first = await serve(topic, 'h1', endpoint);
      await first.stop();
      const c = (await client(topic)).prepare({ server: 'h1' });
      await c.cast(ctx, 'note', { v: 'while-down' });
      await sleep(100);
      assert.deepEqual(got, []);
      await serve(topic, 'h1', endpoint);
      for (let i = 0; i < 150 && got.length === 0; i++) await sleep(20);
      assert.deepEqual(got, ['while-down']);
    });

    it('the request context travels with the message', async (t) => {
      if (skip) return t.skip(skip);
      const topic = uniqueName('t');
      await serve(topic, 'h1', {
        version: '1.0',
        methods: { who: async (c) => ({ arg: c, als: currentContext() }) },
      });
      const c = await client(topic);
      const r = await c.call<{ arg: RequestContext; als: RequestContext }>(ctx, 'who');
      for (const got of [r.arg, r.als]) {
        assert.equal(got.request_id, 'req-conformance');
        assert.equal(got.user_id, 'u1');
        assert.equal(got.project_id, 'p1');
        assert.equal(got.is_admin, true);
      }
    });

    it('fanout reaches every server of the topic', async (t) => {
      if (skip) return t.skip(skip);
      const topic = uniqueName('t');
      const got = new Set<string>();
      for (const host of ['a', 'b', 'c']) await serve(topic, host, { version: '1.0', methods: { hello: async () => void got.add(host) } });
      const c = (await client(topic)).prepare({ fanout: true });
      await c.cast(ctx, 'hello');
      for (let i = 0; i < 100 && got.size < 3; i++) await sleep(20);
      assert.deepEqual([...got].sort(), ['a', 'b', 'c']);
    });

    it('servers of one topic share its messages (competing consumers)', async (t) => {
      if (skip) return t.skip(skip);
      const topic = uniqueName('t');
      const count: Record<string, number> = { a: 0, b: 0 };
      for (const host of ['a', 'b']) {
        await serve(topic, host, {
          version: '1.0',
          methods: {
            work: async () => {
              count[host] = (count[host] ?? 0) + 1;
              await sleep(5);
            },
          },
        });
      }
      const c = await client(topic);
      await Promise.all(Array.from({ length: 40 }, () => c.cast(ctx, 'work')));
      for (let i = 0; i < 200 && (count.a ?? 0) + (count.b ?? 0) < 40; i++) await sleep(20);
      assert.equal((count.a ?? 0) + (count.b ?? 0), 40, 'each message handled exactly once');
      assert.ok((count.a ?? 0) > 0 && (count.b ?? 0) > 0, `both servers worked: ${JSON.stringify(count)}`);
    });

    it('topic.server reaches only that server', async (t) => {
      if (skip) return t.skip(skip);
      const topic = uniqueName('t');
      for (const host of ['a', 'b']) await serve(topic, host, { version: '1.0', methods: { whoami: async () => host } });
      const c = await client(topic);
      for (let i = 0; i < 5; i++) {
        assert.equal(await c.prepare({ server: 'b' }).call(ctx, 'whoami'), 'b');
        assert.equal(await c.prepare({ server: 'a' }).call(ctx, 'whoami'), 'a');
      }
    });

    it('the server checks the RPC API version and the method', async (t) => {
      if (skip) return t.skip(skip);
      const topic = uniqueName('t');
      await serve(topic, 'h1', { version: '1.3', methods: { ping: async () => 'pong' } });
      const c = await client(topic);
      assert.equal(await c.prepare({ version: '1.3' }).call(ctx, 'ping'), 'pong');
      await assert.rejects(c.prepare({ version: '1.4' }).call(ctx, 'ping'), UnsupportedVersion);
      await assert.rejects(c.prepare({ version: '2.0' }).call(ctx, 'ping'), UnsupportedVersion);
      await assert.rejects(c.call(ctx, 'nope'), NoSuchMethod);
    });

    it('a stopped server gets no more messages and finishes what it had', async (t) => {
      if (skip) return t.skip(skip);
      const topic = uniqueName('t');
      let finished = 0;
      let started = 0;
      const s = await serve(topic, 'h1', {
        version: '1.0',
        methods: {
          job: async () => {
            started++;
            await sleep(200);
            finished++;
          },
        },
      });
      const c = await client(topic);
      await c.cast(ctx, 'job');
      for (let i = 0; i < 100 && started === 0; i++) await sleep(10);
      await s.stop();
      assert.equal(finished, 1, 'in-flight work completed before stop returned');
      await c.cast(ctx, 'job');
      await sleep(300);
      assert.equal(started, 1);
    });

    it('large payloads survive the round trip', async (t) => {
      if (skip) return t.skip(skip);
      const topic = uniqueName('t');
      await serve(topic, 'h1', { version: '1.0', methods: { echo: async (_c, a) => a.data } });
      const c = await client(topic);
      const data = 'x'.repeat(512 * 1024);
      assert.equal(await c.call(ctx, 'echo', { data }), data);
    });

    it('close fails pending calls instead of hanging', async (t) => {
      if (skip) return t.skip(skip);
      const topic = uniqueName('t');
      await serve(topic, 'h1', { version: '1.0', methods: { never: () => sleep(1500).then(() => 'late') } });
      const tr = await transport();
      const c = new RpcClient(tr, { topic, version: '1.0', timeoutMs: 10_000 });
      const p = assert.rejects(c.call(ctx, 'never'), MessageDeliveryFailure);
      await sleep(100);
      await tr.close();
      await p;
    });
  });
}
