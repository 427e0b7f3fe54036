/**
 * `[database] connection` with several servers, against the machine's
 * MariaDB behind two TCP proxies a test can cut (two "servers" that share
 * one database): one server in use at a time, the next when it fails, back
 * to the first once it answers again; all down is a DBConnectionError (503)
 * and the pool recovers by itself. The real thing, a Galera cluster losing a
 * node, is in ha-engines.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { DbApi } from '../../src/db/api/index.ts';
import { DBConnectionError, type Db, openDatabase } from '../../src/db/connection.ts';
import { syncSchema } from '../../src/db/migrate.ts';
import { dropMysqlDatabase, MYSQL_HOST, MYSQL_PORT, mysqlSkip, uniqueName } from '../support/backends.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';

describe('[database] connection naming several servers', () => {
  let skip: string | undefined;
  const name = uniqueName('nova_ha');
  let a: TcpProxy;
  let b: TcpProxy;
  let db: Db | null = null;
  let api: DbApi;
  let seq = 0;
  const write = () => api.services.create({ host: `h${seq++}`, binary: 'nova-compute', topic: 'compute', version: 1 });

  before(async () => {
    skip = await mysqlSkip();
    if (skip) return;
    a = await startTcpProxy(MYSQL_HOST, MYSQL_PORT);
    b = await startTcpProxy(MYSQL_HOST, MYSQL_PORT);
    db = await openDatabase(`mysql+pymysql://root:@127.0.0.1:${a.port},127.0.0.1:${b.port}/${name}`, {
      createDatabase: true,
      maxPoolSize: 4,
      retryIntervalMs: 200,
      connectTimeoutMs: 2000,
    });
    await syncSchema(db);
    api = new DbApi(db);
  });
  after(async () => {
    if (skip) return;
    await db?.close();
    await a.close();
    await b.close();
    await dropMysqlDatabase(name);
  });

  it('moves to the next server when the one in use fails: the query in flight may fail (503), the next one works', async (t) => {
    if (skip) return t.skip(skip);
    await write();
    a.cut();
    // A pooled connection to the first server is reset under the next query; at most that one fails.
    const first = await write().then(
      () => null,
      (e: unknown) => e,
    );
    if (first !== null) {
      assert.ok(first instanceof DBConnectionError, String(first));
      assert.equal(first.status, 503);
    }
    for (let i = 0; i < 20; i++) await write();
    assert.equal((await api.services.list()).length, seq - (first === null ? 0 : 1));
  });

  it('goes back to the first server once it answers again (every process converges on the same one)', async (t) => {
    if (skip) return t.skip(skip);
    a.restore();
    // The failed server is probed every retry_interval (200 ms here).
    await sleep(1000);
    await write();
    // Now on the first server: the second may go away without a single failure.
    b.cut();
    for (let i = 0; i < 20; i++) await write();
    b.restore();
  });

  it('every server down: DBConnectionError at once; queries work again when one is back', async (t) => {
    if (skip) return t.skip(skip);
    a.cut();
    b.cut();
    const started = Date.now();
    await assert.rejects(write(), (e: unknown) => e instanceof DBConnectionError && e.status === 503);
    await assert.rejects(write(), (e: unknown) => e instanceof DBConnectionError && /no database server answers: 127\.0\.0\.1:\d+: .*; 127\.0\.0\.1:\d+: /.test(e.message));
    assert.ok(Date.now() - started < 5000, 'refused connections fail fast');
    b.restore();
    let ok = false;
    for (let i = 0; i < 20 && !ok; i++)
      ok = await write().then(
        () => true,
        () => false,
      );
    assert.ok(ok, 'writes work again on the second server');
    a.restore();
  });
});
