/**
 * The message bus and database a chaos run works on, and the faults they
 * take. Three sets:
 *
 * - `proxied`: the machine's shared RabbitMQ and MariaDB through TCP
 *   proxies, with a private virtual host and database, so an "outage" cuts
 *   this run's connections (a broker or database that went away, as its
 *   clients see it) without disturbing anyone else.
 * - `private`: a RabbitMQ node and a MariaDB server of the run's own, on
 *   loopback, that take real SIGKILLs and restarts (crash recovery of the
 *   broker's durable queues and of InnoDB included).
 * - `cluster`: a three-node RabbitMQ cluster (quorum queues) and a
 *   three-node Galera cluster, each node in its own network namespace; the
 *   node in use of each is SIGKILLed (the whole namespace: a machine that
 *   died) or restarted, and comes back and rejoins.
 *
 * The faults of one engine never overlap (a cluster keeps its majority);
 * each returns once the engine serves again in full.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createRabbitVhost, dropMysqlDatabase, MYSQL_HOST, MYSQL_PORT, RABBIT_HOST, RABBIT_PORT, uniqueName } from '../../test/support/backends.ts';
import { type MariaCluster, mariadbEngineSkip, startGaleraCluster, startMariaDB } from '../../test/support/engines/mariadb.ts';
import { type RabbitCluster, rabbitEngineSkip, startRabbitCluster, startRabbitNode } from '../../test/support/engines/rabbitmq.ts';
import { startTcpProxy } from '../../test/support/tcp-proxy.ts';

export type Fault = (downMs: number) => Promise<string | undefined>;

export type EngineSet = 'proxied' | 'private' | 'cluster';
export const ENGINE_SETS: readonly EngineSet[] = ['proxied', 'private', 'cluster'];

export interface Engines {
  /** Shown in the report. */
  readonly label: string;
  readonly transportUrl: string;
  readonly databaseUrl: string;
  /** Extra nova.conf for every daemon (e.g. quorum queues on a cluster). */
  readonly conf: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** The faults these engines can take, by name, each taking `downMs`; each may say what it did (which node, how long it took to come back). */
  readonly faults: Readonly<Record<string, Fault>>;
  /** How long each fault keeps its engine down, by name (default 4 s). */
  readonly downMs?: Readonly<Record<string, number>>;
  close(): Promise<void>;
}

/** The machine's RabbitMQ and MariaDB behind TCP proxies this run can cut. */
export async function proxiedEngines(): Promise<Engines> {
  const vhost = createRabbitVhost();
  const database = uniqueName('nova_chaos');
  const mq = await startTcpProxy(RABBIT_HOST, RABBIT_PORT);
  const db = await startTcpProxy(MYSQL_HOST, MYSQL_PORT);
  const outage = (p: typeof mq) => async (downMs: number) => {
    p.cut();
    await sleep(downMs);
    p.restore();
    return undefined;
  };
  return {
    label: 'single RabbitMQ + MariaDB (outages cut at a TCP proxy)',
    transportUrl: `rabbit://guest:guest@127.0.0.1:${mq.port}/${vhost.vhost}`,
    databaseUrl: `mysql+pymysql://root:@127.0.0.1:${db.port}/${database}`,
    conf: {},
    faults: { 'message bus down': outage(mq), 'database down': outage(db) },
    downMs: { 'message bus down': 6000, 'database down': 3000 },
    async close() {
      await mq.close();
      await db.close();
      vhost.drop();
      await dropMysqlDatabase(database);
    },
  };
}

/** undefined when the engine set can run here; otherwise why not. */
export async function engineSkip(set: EngineSet): Promise<string | undefined> {
  if (set === 'proxied') {
    const { mysqlSkip, rabbitSkip } = await import('../../test/support/backends.ts');
    return (await mysqlSkip()) ?? (await rabbitSkip());
  }
  const loopback = set === 'private';
  // The private MariaDB runs as the mysql user, as under systemd (its files are chowned to it).
  if (loopback && process.getuid?.() !== 0) return 'SKIPPED: the private MariaDB server is started as the mysql user, which needs root';
  return (await rabbitEngineSkip({ loopback })) ?? (await mariadbEngineSkip({ loopback, galera: !loopback }));
}

export function startEngines(set: EngineSet): Promise<Engines> {
  return set === 'proxied' ? proxiedEngines() : set === 'private' ? privateEngines() : clusteredEngines();
}

/** Runs one fault at a time: the next waits until the one before has brought its node back. */
function oneAtATime(): <T>(fn: () => Promise<T>) => Promise<T> {
  let chain: Promise<unknown> = Promise.resolve();
  return (fn) => {
    const p = chain.then(fn);
    chain = p.catch(() => undefined);
    return p;
  };
}

/** Both engines at once; if one fails to start, the other is closed. */
async function bothOf(mq: Promise<RabbitCluster>, db: Promise<MariaCluster>): Promise<[RabbitCluster, MariaCluster]> {
  const [r, d] = await Promise.allSettled([mq, db]);
  if (r.status === 'fulfilled' && d.status === 'fulfilled') return [r.value, d.value];
  if (r.status === 'fulfilled') await r.value.close();
  if (d.status === 'fulfilled') await d.value.close();
  throw r.status === 'rejected' ? r.reason : d.status === 'rejected' ? d.reason : new Error('unreachable');
}

/** A fault that takes node i away (`how`), keeps it down `downMs`, starts it again and waits until it serves (and rejoined). */
function takeDown(engine: RabbitCluster | MariaCluster, how: 'kill' | 'stop', node: () => Promise<number>, rejoined: () => Promise<void> = async () => undefined): Fault {
  return async (downMs: number) => {
    const i = await node();
    await (how === 'kill' ? engine.kill(i) : engine.stop(i));
    await sleep(downMs);
    const t = Date.now();
    await engine.start(i);
    await rejoined();
    return `${engine.nodes[i]?.name ?? i}, serving again ${((Date.now() - t) / 1000).toFixed(1)} s after its start`;
  };
}

/** A RabbitMQ node and a MariaDB server of this run's own on loopback, SIGKILLed and restarted for real. */
export async function privateEngines(): Promise<Engines> {
  const [mq, db] = await bothOf(startRabbitNode({ loopback: true }), startMariaDB({ loopback: true }));
  const mqSerial = oneAtATime();
  const dbSerial = oneAtATime();
  const first = async () => 0;
  const faults: Record<string, Fault> = {
    'RabbitMQ SIGKILLed': (ms) => mqSerial(() => takeDown(mq, 'kill', first)(ms)),
    'MariaDB SIGKILLed': (ms) => dbSerial(() => takeDown(db, 'kill', first)(ms)),
    'RabbitMQ restarted': (ms) => mqSerial(() => takeDown(mq, 'stop', first)(ms)),
    'MariaDB restarted': (ms) => dbSerial(() => takeDown(db, 'stop', first)(ms)),
  };
  return {
    label: 'private RabbitMQ node + MariaDB server (real SIGKILLs and restarts)',
    transportUrl: await mq.addVhost('nova'),
    databaseUrl: db.url('nova'),
    conf: {},
    faults,
    downMs: { 'RabbitMQ SIGKILLed': 6000, 'MariaDB SIGKILLed': 3000, 'RabbitMQ restarted': 2000, 'MariaDB restarted': 2000 },
    async close() {
      await mq.close();
      await db.close();
    },
  };
}

/** The RabbitMQ node most connections are on (the daemons use the first broker of the list that answers), and the counts. */
async function rabbitNodeInUse(mq: RabbitCluster): Promise<{ index: number; counts: number[] }> {
  const out = await mq.ctl(['list_connections', '-p', 'nova', 'host', '--formatter', 'json']);
  const list: unknown = JSON.parse(out);
  // `host` is the node's address the connection came in on, as an Erlang IP tuple ([10, 1, 2, 11]).
  const hosts = (Array.isArray(list) ? list : []).map((c: unknown) =>
    c !== null && typeof c === 'object' && 'host' in c ? (Array.isArray(c.host) ? c.host.join('.') : String(c.host)) : '',
  );
  const counts = mq.nodes.map((nd) => hosts.filter((h) => h === nd.host).length);
  const best = Math.max(...counts);
  if (best === 0) throw new Error(`no connection of this run on any RabbitMQ node (${out.trim()})`);
  return { index: counts.indexOf(best), counts };
}

/** A three-node RabbitMQ cluster with quorum queues and a three-node Galera cluster, in network namespaces. */
export async function clusteredEngines(): Promise<Engines> {
  const [mq, db] = await bothOf(startRabbitCluster({ nodes: 3 }), startGaleraCluster({ nodes: 3 }));
  const mqSerial = oneAtATime();
  const dbSerial = oneAtATime();
  let lastCounts = '';
  const mqInUse = async () => {
    const { index, counts } = await rabbitNodeInUse(mq);
    lastCounts = ` (it had ${counts[index]} of the ${counts.reduce((a, b) => a + b, 0)} connections)`;
    return index;
  };
  // The daemons use the first server of the URL that answers, and go back to it once it is Synced again: the node with their connections.
  let lastDbCounts = '';
  const dbInUse = async () => {
    const counts = await Promise.all(
      db.nodes.map(async (nd) =>
        db.running(nd.index) ? Number((await db.query("SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE db = 'nova'", nd.index))[0]?.n ?? 0) : 0,
      ),
    );
    const best = Math.max(...counts);
    if (best === 0) throw new Error('no connection of this run on any Galera node');
    const index = counts.indexOf(best);
    lastDbCounts = ` (it had ${best} of the ${counts.reduce((a, b) => a + b, 0)} connections)`;
    return index;
  };
  const mqRejoined = async () => {
    for (let t = Date.now(); (await mq.runningNodes().catch(() => [])).length < mq.nodes.length; await sleep(500))
      if (Date.now() - t > 60_000) throw new Error('the RabbitMQ node did not rejoin within 60 s');
  };
  const faults: Record<string, Fault> = {
    'RabbitMQ node in use SIGKILLed': (ms) => mqSerial(async () => `${await takeDown(mq, 'kill', mqInUse, mqRejoined)(ms)}${lastCounts}`),
    'Galera node in use SIGKILLed': (ms) => dbSerial(async () => `${await takeDown(db, 'kill', dbInUse)(ms)}${lastDbCounts}`),
    'RabbitMQ node in use restarted': (ms) => mqSerial(async () => `${await takeDown(mq, 'stop', mqInUse, mqRejoined)(ms)}${lastCounts}`),
    'Galera node in use restarted': (ms) => dbSerial(async () => `${await takeDown(db, 'stop', dbInUse)(ms)}${lastDbCounts}`),
  };
  return {
    label: 'RabbitMQ cluster (3 nodes, quorum queues) + Galera cluster (3 nodes), in network namespaces',
    transportUrl: await mq.addVhost('nova'),
    databaseUrl: db.url('nova'),
    conf: { oslo_messaging_rabbit: { rabbit_quorum_queue: 'true' } },
    faults,
    downMs: { 'RabbitMQ node in use SIGKILLed': 6000, 'Galera node in use SIGKILLed': 3000 },
    async close() {
      await mq.close();
      await db.close();
    },
  };
}
