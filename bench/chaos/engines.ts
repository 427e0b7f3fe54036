/**
 * The message bus and database a chaos run works on, and the faults they
 * take. The shared RabbitMQ and MariaDB of the machine are used through TCP
 * proxies with a private virtual host and database, so an "outage" cuts
 * this run's connections (a broker or database that went away, as its
 * clients see it) without disturbing anyone else. Private engines (a node
 * of their own, or a cluster in network namespaces) plug in through the
 * same interface and take real restarts and SIGKILLs.
 */
import { createRabbitVhost, dropMysqlDatabase, MYSQL_HOST, MYSQL_PORT, RABBIT_HOST, RABBIT_PORT, uniqueName } from '../../test/support/backends.ts';
import { startTcpProxy } from '../../test/support/tcp-proxy.ts';

export interface Engines {
  /** Shown in the report. */
  readonly label: string;
  readonly transportUrl: string;
  readonly databaseUrl: string;
  /** Extra nova.conf for every daemon (e.g. quorum queues on a cluster). */
  readonly conf: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** The faults these engines can take, by name, each taking `downMs`. */
  readonly faults: Readonly<Record<string, (downMs: number) => Promise<void>>>;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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
  };
  return {
    label: 'single RabbitMQ + MariaDB (outages cut at a TCP proxy)',
    transportUrl: `rabbit://guest:guest@127.0.0.1:${mq.port}/${vhost.vhost}`,
    databaseUrl: `mysql+pymysql://root:@127.0.0.1:${db.port}/${database}`,
    conf: {},
    faults: { 'message bus down': outage(mq), 'database down': outage(db) },
    async close() {
      await mq.close();
      await db.close();
      vhost.drop();
      await dropMysqlDatabase(database);
    },
  };
}
