import { sql } from 'kysely';
import { dbTime } from '../time.ts';
import { type Db, isDuplicate } from './common.ts';

/** The limit rows a quota check reads: the default class's, the project's, the user's (resource → hard limit). */
export interface LimitRows {
  defaults: Record<string, number>;
  project: Record<string, number>;
  user: Record<string, number>;
}

/** Per-project quota limits that override the configured defaults. */
export class QuotaRepository {
  constructor(private readonly db: Db) {}

  /**
   * In one statement: the `default` quota class's limits, the project's own
   * and (with a user id) the user's own in the project — what a quota check
   * overlays on the configured defaults.
   */
  async limitRows(projectId: string, userId?: string): Promise<LimitRows> {
    const k = this.db.kysely;
    let q = k
      .selectFrom('quota_classes')
      .select([sql<string>`'default'`.as('src'), 'resource', 'hard_limit'])
      .where('class_name', '=', 'default')
      .unionAll(
        k
          .selectFrom('quotas')
          .select([sql<string>`'project'`.as('src'), 'resource', 'hard_limit'])
          .where('project_id', '=', projectId),
      );
    if (userId !== undefined) {
      q = q.unionAll(
        k
          .selectFrom('project_user_quotas')
          .select([sql<string>`'user'`.as('src'), 'resource', 'hard_limit'])
          .where('project_id', '=', projectId)
          .where('user_id', '=', userId),
      );
    }
    const out: LimitRows = { defaults: {}, project: {}, user: {} };
    for (const r of await q.execute()) {
      const into = r.src === 'default' ? out.defaults : r.src === 'project' ? out.project : out.user;
      into[r.resource] = r.hard_limit;
    }
    return out;
  }

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
