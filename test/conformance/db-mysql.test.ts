import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createConnection } from 'mysql2/promise';
import { DbApi } from '../../src/db/api/index.ts';
import { openDatabase } from '../../src/db/connection.ts';
import { syncSchema } from '../../src/db/migrate.ts';
import { dropMysqlDatabase, MYSQL_HOST, MYSQL_PORT, mysqlSkip, mysqlUrl, uniqueName } from '../support/backends.ts';
import { runDbSuite } from './db.case.ts';

runDbSuite('MariaDB', async () => {
  const reason = await mysqlSkip();
  if (reason) return reason;
  const name = uniqueName('nova_test');
  const db = await openDatabase(mysqlUrl(name), { createDatabase: true, maxPoolSize: 20 });
  return {
    db,
    cleanup: async () => {
      await db.close();
      await dropMysqlDatabase(name);
    },
  };
});

describe('MariaDB connection loss', () => {
  let skip: string | undefined;
  const name = uniqueName('nova_test');
  before(async () => {
    skip = await mysqlSkip();
  });
  after(async () => {
    if (!skip) await dropMysqlDatabase(name);
  });

  it('a killed connection is replaced by the pool; queries keep working', async (t) => {
    if (skip) return t.skip(skip);
    const db = await openDatabase(mysqlUrl(name), { createDatabase: true, maxPoolSize: 2 });
    await syncSchema(db);
    const api = new DbApi(db);
    await api.services.getOrCreate({ host: 'h', binary: 'nova-compute', topic: 'compute', version: 1 });
    const admin = await createConnection({ host: MYSQL_HOST, port: MYSQL_PORT, user: 'root', password: '' });
    const [rows] = (await admin.query('SELECT id FROM information_schema.processlist WHERE db = ?', [name])) as unknown as [{ id: number }[]];
    for (const r of rows) await admin.query(`KILL ${r.id}`);
    await admin.end();
    let listed = 0;
    for (let i = 0; i < 5 && listed === 0; i++) {
      listed = await api.services
        .list()
        .then((l) => l.length)
        .catch(() => 0);
    }
    assert.equal(listed, 1);
    await db.close();
  });

  it('an unreachable server fails with one clear line', async () => {
    await assert.rejects(
      openDatabase('mysql+pymysql://root:@127.0.0.1:1/nova', { maxRetries: 0 }),
      /\[database\] connection: cannot connect to mysql\+pymysql:\/\/root:\*\*\*\*@127\.0\.0\.1:1\/nova: connection refused by 127\.0\.0\.1:1/,
    );
  });
});
