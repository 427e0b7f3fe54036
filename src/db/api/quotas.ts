import { dbTime } from '../time.ts';
import { type Db, isDuplicate } from './common.ts';

/** Per-project quota limits that override the configured defaults. */
export class QuotaRepository {
  constructor(private readonly db: Db) {}

  async limitsFor(projectId: string): Promise<Record<string, number>> {
    const rows = await this.db.kysely.selectFrom('quotas').select(['resource', 'hard_limit']).where('project_id', '=', projectId).execute();
    return Object.fromEntries(rows.map((r) => [r.resource, r.hard_limit]));
  }

  async set(projectId: string, resource: string, hardLimit: number): Promise<void> {
    const now = dbTime();
    const r = await this.db.kysely
      .updateTable('quotas')
      .set({ hard_limit: hardLimit, updated_at: now })
      .where('project_id', '=', projectId)
      .where('resource', '=', resource)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) > 0) return;
    try {
      await this.db.kysely.insertInto('quotas').values({ project_id: projectId, resource, hard_limit: hardLimit, created_at: now, updated_at: null }).execute();
    } catch (e) {
      if (!isDuplicate(e)) throw e;
      await this.set(projectId, resource, hardLimit);
    }
  }

  async clear(projectId: string): Promise<void> {
    await this.db.kysely.deleteFrom('quotas').where('project_id', '=', projectId).execute();
  }
}
