/** The aggregate repository behaves the same on SQLite and MariaDB (unique names among live rows, the `key` column…). */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DbApi } from '../../src/db/api/index.ts';
import { type Db, openDatabase } from '../../src/db/connection.ts';
import { syncSchema } from '../../src/db/migrate.ts';
import { AggregateHostExists, AggregateHostNotFound, AggregateNameExists, AggregateNotFound } from '../../src/exception/aggregate.ts';
import { zonesByHost } from '../../src/objects/aggregate.ts';
import { dropMysqlDatabase, mysqlSkip, mysqlUrl, uniqueName } from '../support/backends.ts';

type Open = () => Promise<{ db: Db; cleanup(): Promise<void> } | string>;

function suite(label: string, open: Open): void {
  describe(`aggregates on ${label}`, () => {
    let api: DbApi;
    let cleanup: (() => Promise<void>) | undefined;
    let skip: string | undefined;
    before(async () => {
      const r = await open();
      if (typeof r === 'string') {
        skip = r;
        return;
      }
      await syncSchema(r.db);
      api = new DbApi(r.db);
      cleanup = r.cleanup;
    });
    after(async () => {
      await cleanup?.();
    });

    it('create, rename, metadata, hosts, destroy', async (t) => {
      if (skip) return t.skip(skip);
      const a = await api.aggregates.create('a', { availability_zone: 'az1' });
      assert.deepEqual([a.name, a.hosts, a.metadata, a.deleted], ['a', [], { availability_zone: 'az1' }, false]);
      await assert.rejects(api.aggregates.create('a'), AggregateNameExists);
      const b = await api.aggregates.create('b');
      await assert.rejects(api.aggregates.rename(b.id, 'a'), AggregateNameExists);
      assert.equal((await api.aggregates.rename(b.id, 'b2')).name, 'b2');

      const m = await api.aggregates.updateMetadata(a.id, { key: 'value', other: 'x' });
      assert.deepEqual(m.metadata, { availability_zone: 'az1', key: 'value', other: 'x' });
      assert.ok(m.updated_at);
      assert.deepEqual((await api.aggregates.updateMetadata(a.id, { other: null, missing: null, key: 'v2' })).metadata, { availability_zone: 'az1', key: 'v2' });

      await api.aggregates.addHost(a.id, 'h1');
      await api.aggregates.addHost(b.id, 'h1');
      await assert.rejects(api.aggregates.addHost(a.id, 'h1'), AggregateHostExists);
      assert.deepEqual((await api.aggregates.get(a.id)).hosts, ['h1']);
      assert.deepEqual(
        (await api.aggregates.listByHost('h1')).map((x) => x.name),
        ['a', 'b2'],
      );
      assert.deepEqual([...zonesByHost(await api.aggregates.list())], [['h1', 'az1']]);
      await assert.rejects(api.aggregates.removeHost(a.id, 'h2'), AggregateHostNotFound);
      assert.deepEqual((await api.aggregates.removeHost(a.id, 'h1')).hosts, []);

      await api.aggregates.destroy(a.id);
      await assert.rejects(api.aggregates.get(a.id), AggregateNotFound);
      await assert.rejects(api.aggregates.destroy(a.id), AggregateNotFound);
      const again = await api.aggregates.create('a');
      assert.notEqual(again.id, a.id);
      assert.deepEqual(again.metadata, {}, 'metadata of the deleted aggregate is gone');
      assert.deepEqual(
        (await api.aggregates.list()).map((x) => x.name),
        ['b2', 'a'],
      );
    });
  });
}

suite('SQLite', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nova-agg-'));
  const db = await openDatabase(`sqlite:///${dir}/nova.sqlite`);
  return {
    db,
    cleanup: async () => {
      await db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
});

suite('MariaDB', async () => {
  const reason = await mysqlSkip();
  if (reason) return reason;
  const name = uniqueName('nova_agg');
  const db = await openDatabase(mysqlUrl(name), { createDatabase: true });
  return {
    db,
    cleanup: async () => {
      await db.close();
      await dropMysqlDatabase(name);
    },
  };
});
