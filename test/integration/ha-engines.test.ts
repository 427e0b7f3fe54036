/**
 * The project on clustered engines, each node in its own network namespace:
 * RPC over a three-node RabbitMQ cluster with quorum queues, and the
 * database layer over a three-node Galera cluster through a multi-host
 * `[database] connection`, each losing the node its clients use (SIGKILL)
 * and getting it back. The engines start in parallel; their start times
 * are printed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { adminContext } from '../../src/context.ts';
import { DbApi } from '../../src/db/api/index.ts';
import { DBConnectionError, type Db, openDatabase } from '../../src/db/connection.ts';
import { LATEST_SCHEMA_VERSION, schemaVersion, syncSchema } from '../../src/db/migrate.ts';
import { silentLogger } from '../../src/log.ts';
import { RpcClient } from '../../src/rpc/client.ts';
import { RabbitTransport } from '../../src/rpc/rabbit.ts';
import { RpcServer } from '../../src/rpc/server.ts';
import { parseTransportUrl } from '../../src/rpc/url.ts';
import { uniqueName } from '../support/backends.ts';
import { type MariaCluster, mariadbEngineSkip, startGaleraCluster } from '../support/engines/mariadb.ts';
import { type RabbitCluster, rabbitEngineSkip, startRabbitCluster } from '../support/engines/rabbitmq.ts';

const note = (line: string) => process.stderr.write(`# ${line}\n`);

let rabbitSkip: string | undefined;
let galeraSkip: string | undefined;
let rabbit: RabbitCluster | null = null;
let galera: MariaCluster | null = null;

before(async () => {
  rabbitSkip = await rabbitEngineSkip();
  galeraSkip = await mariadbEngineSkip({ galera: true });
  // Both clusters boot at once (they take seconds; most of it is the Erlang VM and the state transfers).
  const [r, g] = await Promise.all([rabbitSkip ? null : startRabbitCluster({ nodes: 3 }), galeraSkip ? null : startGaleraCluster({ nodes: 3 })]);
  rabbit = r;
  galera = g;
  if (rabbit) note(`RabbitMQ cluster of 3 nodes (quorum queues) answered ${rabbit.startMs} ms after the start: ${rabbit.url}`);
  if (galera) note(`Galera cluster of 3 nodes Synced ${galera.startMs} ms after the start: ${galera.url('nova')}`);
});
after(async () => {
  await rabbit?.close();
  await galera?.close();
});

type RabbitOpts = ConstructorParameters<typeof RabbitTransport>[1];

function transport(url: string, events: RabbitOpts['events'] = {}): RabbitTransport {
  return new RabbitTransport(parseTransportUrl(url), {
    exchange: 'nova',
    retryIntervalMs: 100,
    retryBackoffMs: 200,
    maxIntervalMs: 1000,
    heartbeatSeconds: 10,
    prefetch: 64,
    connectAttempts: 3,
    sendWaitMs: 15_000,
    quorumQueues: true,
    events,
  });
}

describe('RPC over a three-node RabbitMQ cluster with quorum queues', () => {
  it('casts and calls keep working while the node in use is SIGKILLed and after it is back; no confirmed cast is lost', async (t) => {
    if (rabbitSkip || !rabbit) return t.skip(rabbitSkip);
    const cluster = rabbit;
    const url = await cluster.addVhost(uniqueName('nova_ha'));
    const events: string[] = [];
    const ts = transport(url, { onDisconnect: () => events.push('server down'), onReconnect: () => events.push('server up'), onError: (m) => events.push(`server: ${m}`) });
    const tc = transport(url, { onDisconnect: () => events.push('client down'), onReconnect: () => events.push('client up'), onError: (m) => events.push(`client: ${m}`) });
    t.after(async () => {
      await ts.close();
      await tc.close();
    });
    await ts.connect();
    await tc.connect();
    const topic = uniqueName('ha');
    const received = new Set<number>();
    const server = new RpcServer(
      ts,
      topic,
      'h1',
      [
        {
          version: '1.0',
          methods: {
            note: async (_ctx, args) => {
              received.add(Number(args.seq));
              return null;
            },
            ping: async () => 'pong',
          },
        },
      ],
      silentLogger(),
    );
    await server.start();
    t.after(() => server.stop());
    const client = new RpcClient(tc, { topic, version: '1.0', timeoutMs: 4000 });
    const ctx = adminContext();
    assert.equal(await client.call(ctx, 'ping'), 'pong');
    // The quorum queues have a member on every node.
    const queues: unknown = JSON.parse(await cluster.ctl(['list_queues', '-p', url.slice(url.lastIndexOf('/') + 1), 'name', 'type', '--formatter', 'json']));
    assert.ok(Array.isArray(queues));
    assert.deepEqual(
      queues
        .filter((q: unknown) => typeof q === 'object' && q !== null && 'name' in q && typeof q.name === 'string' && (q.name === topic || q.name === `${topic}.h1`))
        .map((q: unknown) => (typeof q === 'object' && q !== null && 'type' in q ? q.type : null)),
      ['quorum', 'quorum'],
      'the topic queues are quorum queues',
    );

    const confirmed = new Set<number>();
    let refused = 0;
    let seq = 0;
    let storming = true;
    const casts = (async () => {
      while (storming) {
        const n = seq++;
        await client.cast(ctx, 'note', { seq: n }).then(
          () => confirmed.add(n),
          () => refused++,
        );
        await sleep(10);
      }
    })();
    t.after(() => {
      storming = false;
    });
    const callResults: string[] = [];
    const calls = (async () => {
      while (storming) {
        callResults.push(await client.call<string>(ctx, 'ping').catch((e: unknown) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e))));
        await sleep(50);
      }
    })();
    /** The call outcomes since `from`, counted. */
    const summary = (from = 0) => {
      const counts = new Map<string, number>();
      for (const r of callResults.slice(from)) counts.set(r, (counts.get(r) ?? 0) + 1);
      return [...counts].map(([r, n]) => `${n}× ${r}`).join('; ');
    };
    const servedSince = async (what: string, from: number, timeoutMs = 30_000) => {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const answers = callResults.slice(from);
        if (answers.filter((r) => r === 'pong').length >= 3 && confirmed.size > 0) return;
        await sleep(100);
      }
      throw new Error(`no calls answered ${what} (${summary(from)}); events ${events.join(',')}`);
    };

    await sleep(500);
    // Both transports are on the first node (hostIndex 0): kill it.
    let mark = callResults.length;
    const killedAt = Date.now();
    await cluster.kill(0);
    const before = confirmed.size;
    await servedSince('after node 1 was killed', mark);
    const deadline = Date.now() + 30_000;
    while (confirmed.size <= before + 20 && Date.now() < deadline) await sleep(50);
    t.diagnostic(`calls answered again ${Date.now() - killedAt} ms after node 1 was SIGKILLed (events: ${events.join(', ')})`);
    assert.ok(events.includes('server up') && events.includes('client up'), events.join(','));
    assert.deepEqual((await cluster.runningNodes(1)).length, 2);

    mark = callResults.length;
    const restartMs = await cluster.start(0);
    t.diagnostic(`node 1 restarted and rejoined in ${restartMs} ms`);
    await servedSince('after node 1 came back', mark);
    assert.equal((await cluster.runningNodes(0)).length, 3);
    await sleep(500);

    storming = false;
    await casts;
    await calls;
    // Every cast the broker confirmed arrives (quorum queues replicate to a majority before they confirm).
    const arrivalDeadline = Date.now() + 20_000;
    const missing = () => [...confirmed].filter((n) => !received.has(n));
    while (missing().length > 0 && Date.now() < arrivalDeadline) await sleep(100);
    t.diagnostic(`${confirmed.size} casts confirmed, ${refused} refused during the fail-over (the sender knows), ${received.size} received; calls: ${summary()}`);
    assert.deepEqual(missing(), [], 'confirmed casts lost');
    assert.ok(confirmed.size > 50);
  });
});

describe('the database layer over a three-node Galera cluster (multi-host [database] connection)', () => {
  let db: Db | null = null;
  after(() => db?.close());

  const nodeInUse = async (d: Db) => (await sql<{ n: string }>`SELECT @@wsrep_node_name AS n`.execute(d.kysely)).rows[0]?.n;

  it('syncs the schema through the URL (nova-manage db sync), then writes and reads survive a SIGKILL of the node in use and its return', async (t) => {
    if (galeraSkip || !galera) return t.skip(galeraSkip);
    const cluster = galera;
    const name = uniqueName('nova_ha');
    db = await openDatabase(cluster.url(name), { createDatabase: true, maxPoolSize: 5, retryIntervalMs: 300, connectTimeoutMs: 3000 });
    assert.equal(await syncSchema(db), LATEST_SCHEMA_VERSION);
    assert.equal(await syncSchema(db), LATEST_SCHEMA_VERSION, 'sync again is a no-op');
    assert.equal(await schemaVersion(db), LATEST_SCHEMA_VERSION);
    const api = new DbApi(db);
    assert.equal(await nodeInUse(db), 'node1', 'the first server of the URL is used');

    const written = new Set<string>();
    const failures: unknown[] = [];
    let seq = 0;
    let storming = true;
    t.after(() => {
      storming = false;
    });
    const failed = (e: unknown) => {
      failures.push(e);
      return sleep(10);
    };
    const storm = (async () => {
      while (storming) {
        const host = `h${seq++}`;
        await api.services.create({ host, binary: 'nova-compute', topic: 'compute', version: 1 }).then(() => written.add(host), failed);
        await api.services.list().catch(failed);
      }
    })();
    await sleep(500);
    const killedAt = Date.now();
    const writtenBefore = written.size;
    await cluster.kill(0);
    while (written.size < writtenBefore + 10 && Date.now() - killedAt < 30_000) await sleep(20);
    t.diagnostic(`writes went on ${Date.now() - killedAt} ms after node1 was SIGKILLed, on ${await nodeInUse(db)}; ${failures.length} queries failed meanwhile`);
    assert.ok(written.size >= writtenBefore + 10, 'writes go on after the kill');
    assert.equal(await nodeInUse(db), 'node2', 'the next server of the URL took over');
    const failedAtKill = failures.length;

    const restartMs = await cluster.start(0);
    t.diagnostic(`node1 restarted, recovered its position and caught up (IST) in ${restartMs} ms`);
    const backDeadline = Date.now() + 10_000;
    while ((await nodeInUse(db)) !== 'node1' && Date.now() < backDeadline) await sleep(100);
    assert.equal(await nodeInUse(db), 'node1', 'back on the first server once it is Synced');
    await sleep(300);
    storming = false;
    await storm;

    // What failed is what a lost connection means (503), and only around the kill.
    for (const e of failures) assert.ok(e instanceof DBConnectionError && e.status === 503, String(e));
    assert.equal(failures.length, failedAtKill, 'nothing failed when node1 came back');
    // No acknowledged write lost, on any node.
    const hosts = new Set((await api.services.list()).map((s) => s.host));
    assert.deepEqual(
      [...written].filter((h) => !hosts.has(h)),
      [],
    );
    for (const i of [0, 1, 2]) {
      const [row] = await cluster.query(`SELECT COUNT(*) AS n FROM \`${name}\`.services`, i);
      assert.equal(Number(row?.n), hosts.size, `node${i + 1} has every row`);
    }
    t.diagnostic(`${written.size} writes acknowledged, ${failures.length} queries failed (DBConnectionError)`);
  });
});
