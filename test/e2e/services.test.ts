import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createRabbitVhost, dropMysqlDatabase, mysqlSkip, mysqlUrl, rabbitSkip, uniqueName } from '../support/backends.ts';
import { Daemon, parseTable, run, tmpDir, until, writeConf } from '../support/procs.ts';

/**
 * nova-conductor, nova-scheduler and two nova-compute processes over
 * RabbitMQ + MariaDB: all show up in `nova-manage service list`; a compute
 * killed with SIGKILL goes down after service_down_time; the rest stop
 * cleanly on SIGTERM.
 */
describe('services as separate processes over RabbitMQ and MariaDB', () => {
  let skip: string | undefined;
  const dbName = uniqueName('nova_e2e');
  let vhost: ReturnType<typeof createRabbitVhost> | null = null;
  const daemons: Daemon[] = [];
  let dir = '';

  before(async () => {
    skip = (await mysqlSkip()) ?? (await rabbitSkip());
    if (skip) return;
    vhost = createRabbitVhost();
    dir = tmpDir();
  });
  after(async () => {
    await Promise.all(daemons.map((d) => d.stop()));
    if (!skip) {
      await dropMysqlDatabase(dbName);
      vhost?.drop();
    }
  });

  function conf(name: string, host: string): string {
    return writeConf(path.join(dir, `${name}.conf`), {
      DEFAULT: { host, transport_url: vhost?.url ?? '', report_interval: 1, service_down_time: 4, state_path: path.join(dir, 'state'), graceful_shutdown_timeout: 10 },
      database: { connection: mysqlUrl(dbName) },
    });
  }

  it('reports every service up, then a killed compute down', async (t) => {
    if (skip) return t.skip(skip);
    const common = conf('controller', 'controller');
    const sync = await run('nova-manage', ['--config-file', common, 'db', 'sync']);
    assert.equal(sync.code, 0, sync.stderr);
    assert.match(sync.stdout, /Database schema is at version \d+/);

    // The compute configs deliberately have no [database] section at all.
    const computeConf = (host: string) =>
      writeConf(path.join(dir, `${host}.conf`), { DEFAULT: { host, transport_url: vhost?.url ?? '', report_interval: 1, state_path: path.join(dir, host) } });
    daemons.push(new Daemon('conductor', 'nova-conductor', ['--config-file', common]));
    daemons.push(new Daemon('scheduler', 'nova-scheduler', ['--config-file', common]));
    daemons.push(new Daemon('compute-1', 'nova-compute', ['--config-file', computeConf('compute-1')]));
    daemons.push(new Daemon('compute-2', 'nova-compute', ['--config-file', computeConf('compute-2')]));
    await Promise.all(daemons.map((d) => d.waitFor(/service started/)));

    const list = async () => {
      const r = await run('nova-manage', ['--config-file', common, 'service', 'list']);
      assert.equal(r.code, 0, r.stderr);
      return parseTable(r.stdout);
    };
    const rows = await until(
      async () => {
        const l = await list();
        return l.length === 4 && l.every((r) => r.State === 'up') ? l : null;
      },
      20_000,
      'four services up',
    );
    assert.deepEqual(Object.keys(rows[0] ?? {}), ['Id', 'Binary', 'Host', 'Zone', 'Status', 'State', 'Updated At', 'Disabled Reason', 'Forced down']);
    assert.deepEqual(rows.map((r) => `${r.Binary}@${r.Host}`).sort(), [
      'nova-compute@compute-1',
      'nova-compute@compute-2',
      'nova-conductor@controller',
      'nova-scheduler@controller',
    ]);
    const compute1 = rows.find((r) => r.Host === 'compute-1');
    assert.equal(compute1?.Zone, 'nova');
    assert.equal(compute1?.Status, 'enabled');
    assert.equal(rows.find((r) => r.Binary === 'nova-conductor')?.Zone, 'internal');

    const victim = daemons[2] as Daemon;
    victim.kill('SIGKILL');
    const killedAt = Date.now();
    const down = await until(
      async () => {
        const l = await list();
        return l.find((r) => r.Host === 'compute-1')?.State === 'down' ? l : null;
      },
      20_000,
      'compute-1 down',
    );
    assert.ok(Date.now() - killedAt >= 2000, 'not down before service_down_time has passed');
    assert.equal(down.find((r) => r.Host === 'compute-2')?.State, 'up');
    assert.equal(down.find((r) => r.Binary === 'nova-conductor')?.State, 'up');

    for (const d of daemons.slice(0, 2).concat(daemons.slice(3))) {
      const r = await d.stop();
      assert.equal(r.code, 0, `${d.name} exits 0 on SIGTERM:\n${d.tail()}`);
    }
  });
});
