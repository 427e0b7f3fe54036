import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CompiledQuery, type KyselyPlugin, type RootOperationNode } from 'kysely';
import { openDatabase } from '../connection.ts';
import { syncSchema } from '../migrate.ts';
import { InstanceRepository } from './instances.ts';

/** The query plan SQLite chooses for the statements `run` sends (EXPLAIN QUERY PLAN of each, joined). */
async function plans(run: (repo: InstanceRepository) => Promise<unknown>): Promise<string[]> {
  const db = await openDatabase('sqlite://');
  try {
    await syncSchema(db);
    const seen: { node: RootOperationNode; queryId: Parameters<KyselyPlugin['transformQuery']>[0]['queryId'] }[] = [];
    const capture: KyselyPlugin = {
      transformQuery: (a) => {
        seen.push(a);
        return a.node;
      },
      transformResult: async (a) => a.result,
    };
    const kysely = db.kysely.withPlugin(capture);
    await run(new InstanceRepository({ ...db, kysely }));
    const out: string[] = [];
    for (const s of seen) {
      const q = db.kysely.getExecutor().compileQuery(s.node, s.queryId);
      const r = await db.kysely.executeQuery<{ detail: string }>(CompiledQuery.raw(`EXPLAIN QUERY PLAN ${q.sql}`, [...q.parameters]));
      out.push(r.rows.map((x) => x.detail).join('; '));
    }
    return out;
  } finally {
    await db.close();
  }
}

describe('server list query plans', () => {
  it("a project's page in the default order reads an index in order, without sorting every server", async () => {
    const [plan] = await plans((repo) => repo.list({ project_id: 'p', deleted: false }, { limit: 1000 }));
    assert.match(plan ?? '', /USING INDEX instances_project_id_deleted_created_at_idx/);
    assert.doesNotMatch(plan ?? '', /TEMP B-TREE/);
  });

  it('so does the page of every project (all_tenants)', async () => {
    const [plan] = await plans((repo) => repo.list({ deleted: false }, { limit: 1000 }));
    assert.match(plan ?? '', /USING INDEX instances_deleted_created_at_idx/);
    assert.doesNotMatch(plan ?? '', /TEMP B-TREE/);
  });
});
