import { dbTime } from '../time.ts';
import { type Db, isDuplicate } from './common.ts';

/** Quota class limits (Nova's quota_classes: get_all_class_by_name, create_class/update_class). */
export class QuotaClassRepository {
  constructor(private readonly db: Db) {}

  /** The class's limits by resource ({} for a class without rows). */
  async limitsFor(className: string): Promise<Record<string, number>> {
    const rows = await this.db.kysely.selectFrom('quota_classes').select(['resource', 'hard_limit']).where('class_name', '=', className).execute();
    return Object.fromEntries(rows.map((r) => [r.resource, r.hard_limit]));
  }

  async set(className: string, resource: string, hardLimit: number): Promise<void> {
    const now = dbTime();
    const r = await this.db.kysely
      .updateTable('quota_classes')
      .set({ hard_limit: hardLimit, updated_at: now })
      .where('class_name', '=', className)
      .where('resource', '=', resource)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) > 0) return;
    try {
      await this.db.kysely.insertInto('quota_classes').values({ class_name: className, resource, hard_limit: hardLimit, created_at: now, updated_at: null }).execute();
    } catch (e) {
      if (!isDuplicate(e)) throw e;
      await this.set(className, resource, hardLimit);
    }
  }
}

/** Per-user limits within a project (Nova's project_user_quotas). */
export class UserQuotaRepository {
  constructor(private readonly db: Db) {}

  /** One user's own limits by resource. */
  async limitsFor(projectId: string, userId: string): Promise<Record<string, number>> {
    const rows = await this.db.kysely
      .selectFrom('project_user_quotas')
      .select(['resource', 'hard_limit'])
      .where('project_id', '=', projectId)
      .where('user_id', '=', userId)
      .execute();
    return Object.fromEntries(rows.map((r) => [r.resource, r.hard_limit]));
  }

  /** Every user limit of a project (Quotas.get_all): the project's "remains" subtract them. */
  async allFor(projectId: string): Promise<{ user_id: string; resource: string; hard_limit: number }[]> {
    return this.db.kysely.selectFrom('project_user_quotas').select(['user_id', 'resource', 'hard_limit']).where('project_id', '=', projectId).execute();
  }

  async set(projectId: string, userId: string, resource: string, hardLimit: number): Promise<void> {
    const now = dbTime();
    const r = await this.db.kysely
      .updateTable('project_user_quotas')
      .set({ hard_limit: hardLimit, updated_at: now })
      .where('project_id', '=', projectId)
      .where('user_id', '=', userId)
      .where('resource', '=', resource)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) > 0) return;
    try {
      await this.db.kysely
        .insertInto('project_user_quotas')
        .values({ project_id: projectId, user_id: userId, resource, hard_limit: hardLimit, created_at: now, updated_at: null })
        .execute();
    } catch (e) {
      if (!isDuplicate(e)) throw e;
      await this.set(projectId, userId, resource, hardLimit);
    }
  }

  /** destroy_all_by_project_and_user. */
  async clear(projectId: string, userId: string): Promise<void> {
    await this.db.kysely.deleteFrom('project_user_quotas').where('project_id', '=', projectId).where('user_id', '=', userId).execute();
  }

  /** destroy_all_by_project also drops the project's user limits. */
  async clearProject(projectId: string): Promise<void> {
    await this.db.kysely.deleteFrom('project_user_quotas').where('project_id', '=', projectId).execute();
  }

  /** What one user of a project uses of instances, cores and ram (live instances). */
  async instanceUsage(projectId: string, userId: string): Promise<{ instances: number; cores: number; ram: number }> {
    const r = await this.db.kysely
      .selectFrom('instances')
      .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.sum<number>('vcpus').as('cores'), eb.fn.sum<number>('memory_mb').as('ram')])
      .where('project_id', '=', projectId)
      .where('user_id', '=', userId)
      .where('deleted', '=', 0)
      .executeTakeFirst();
    return { instances: Number(r?.n ?? 0), cores: Number(r?.cores ?? 0), ram: Number(r?.ram ?? 0) };
  }
}
