import { dbTime } from '../time.ts';
import type { Db } from './common.ts';

/** A task_log row: one periodic audit task run on a host for a period. */
export interface TaskLogDTO {
  task_name: string;
  state: string;
  host: string;
  period_beginning: string;
  period_ending: string;
  message: string;
  task_items: number;
  errors: number;
}

/** Nova's task_log (task_log_get_all, task_log_begin_task / end_task). */
export class TaskLogRepository {
  constructor(private readonly db: Db) {}

  /** The runs of a task for exactly this period (naive UTC 'YYYY-MM-DD HH:MM:SS…'), optionally of one host. */
  async list(taskName: string, periodBeginning: string, periodEnding: string, host?: string): Promise<TaskLogDTO[]> {
    let q = this.db.kysely
      .selectFrom('task_log')
      .select(['task_name', 'state', 'host', 'period_beginning', 'period_ending', 'message', 'task_items', 'errors'])
      .where('deleted', '=', 0)
      .where('task_name', '=', taskName)
      .where('period_beginning', '=', periodBeginning)
      .where('period_ending', '=', periodEnding);
    if (host !== undefined) q = q.where('host', '=', host);
    return q.orderBy('id').execute();
  }

  /** Record a run (begin: RUNNING; end: DONE with its counts). */
  async record(row: TaskLogDTO): Promise<void> {
    const now = dbTime();
    const r = await this.db.kysely
      .updateTable('task_log')
      .set({ state: row.state, message: row.message, task_items: row.task_items, errors: row.errors, updated_at: now })
      .where('task_name', '=', row.task_name)
      .where('host', '=', row.host)
      .where('period_beginning', '=', row.period_beginning)
      .where('period_ending', '=', row.period_ending)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) > 0) return;
    await this.db.kysely
      .insertInto('task_log')
      .values({ ...row, created_at: now, updated_at: null })
      .execute();
  }
}
