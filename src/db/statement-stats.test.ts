import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openDatabase } from './connection.ts';
import { syncSchema } from './migrate.ts';
import { statementCounts, statementDelta, statementKind } from './statement-stats.ts';

describe('database statement counts', () => {
  it('names a statement by its kind and first table', () => {
    assert.equal(statementKind('update `instances` set `task_state` = ? where `uuid` = ?'), 'update instances');
    assert.equal(statementKind('select `id`, `uuid` from `instances` where `deleted` = ?'), 'select instances');
    assert.equal(statementKind('insert into "allocations" ("consumer_uuid") values (?)'), 'insert allocations');
    assert.equal(statementKind('delete from `request_specs` where `instance_uuid` = ?'), 'delete request_specs');
    assert.equal(statementKind('SELECT 1'), 'select');
  });

  it('counts every statement a repository sends, transactions included', async () => {
    const db = await openDatabase('sqlite://');
    try {
      await syncSchema(db);
      const before = statementCounts();
      await db.kysely.selectFrom('instances').selectAll().where('uuid', '=', 'x').execute();
      await db.kysely.transaction().execute(async (trx) => {
        await trx.deleteFrom('allocations').where('consumer_uuid', '=', 'x').execute();
      });
      const d = statementDelta(before, statementCounts());
      assert.equal(d.by_kind['select instances'], 1);
      assert.equal(d.by_kind['delete allocations'], 1);
      assert.equal(d.by_kind.begin, 1);
      assert.equal(d.by_kind.commit, 1);
      assert.equal(d.total, 4);
    } finally {
      await db.close();
    }
  });
});
