import type { Selectable } from 'kysely';
import type { InstanceActionDTO, InstanceActionEventDTO, InstanceFaultDTO } from '../../objects/instance.ts';
import type { InstanceActionsTable, InstanceFaultsTable } from '../schema.ts';
import { dbTime } from '../time.ts';
import { type Db, insertedId } from './common.ts';

const faultDTO = (r: Selectable<InstanceFaultsTable>): InstanceFaultDTO => ({
  id: r.id,
  instance_uuid: r.instance_uuid,
  code: r.code,
  message: r.message,
  details: r.details,
  host: r.host,
  created_at: r.created_at,
});

const actionDTO = (r: Selectable<InstanceActionsTable>): InstanceActionDTO => ({
  id: r.id,
  action: r.action,
  instance_uuid: r.instance_uuid,
  request_id: r.request_id,
  user_id: r.user_id,
  project_id: r.project_id,
  start_time: r.start_time,
  finish_time: r.finish_time,
  message: r.message,
  updated_at: r.updated_at,
});

/** instance_faults, instance_actions and instance_actions_events. */
export class InstanceHistoryRepository {
  constructor(private readonly db: Db) {}

  async addFault(f: { instance_uuid: string; code: number; message: string; details: string; host: string | null }): Promise<InstanceFaultDTO> {
    const now = dbTime();
    const r = await this.db.kysely
      .insertInto('instance_faults')
      .values({ ...f, message: f.message.slice(0, 255), created_at: now, updated_at: null })
      .executeTakeFirstOrThrow();
    return { id: insertedId(r), ...f, message: f.message.slice(0, 255), created_at: now };
  }

  /** The newest fault of each instance. */
  async latestFaults(uuids: readonly string[]): Promise<Map<string, InstanceFaultDTO>> {
    const out = new Map<string, InstanceFaultDTO>();
    if (uuids.length === 0) return out;
    const rows = await this.db.kysely
      .selectFrom('instance_faults')
      .selectAll()
      .where('instance_uuid', 'in', [...uuids])
      .where('deleted', '=', 0)
      .orderBy('id', 'desc')
      .execute();
    for (const r of rows) if (!out.has(r.instance_uuid)) out.set(r.instance_uuid, faultDTO(r));
    return out;
  }

  async startAction(a: { action: string; instance_uuid: string; request_id: string; user_id: string | null; project_id: string | null }): Promise<InstanceActionDTO> {
    const now = dbTime();
    const r = await this.db.kysely
      .insertInto('instance_actions')
      .values({ ...a, start_time: now, created_at: now, updated_at: now })
      .executeTakeFirstOrThrow();
    return { id: insertedId(r), ...a, start_time: now, finish_time: null, message: null, updated_at: now };
  }

  async findAction(instanceUuid: string, requestId: string): Promise<InstanceActionDTO | null> {
    const r = await this.db.kysely
      .selectFrom('instance_actions')
      .selectAll()
      .where('instance_uuid', '=', instanceUuid)
      .where('request_id', '=', requestId)
      .orderBy('id', 'desc')
      .executeTakeFirst();
    return r ? actionDTO(r) : null;
  }

  async finishAction(actionId: number, message: string | null = null): Promise<void> {
    const now = dbTime();
    await this.db.kysely
      .updateTable('instance_actions')
      .set({ finish_time: now, updated_at: now, ...(message ? { message } : {}) })
      .where('id', '=', actionId)
      .execute();
  }

  async listActions(instanceUuid: string, opts: { limit?: number; changesSince?: string; changesBefore?: string } = {}): Promise<InstanceActionDTO[]> {
    let q = this.db.kysely.selectFrom('instance_actions').selectAll().where('instance_uuid', '=', instanceUuid);
    if (opts.changesSince) q = q.where('updated_at', '>=', opts.changesSince);
    if (opts.changesBefore) q = q.where('updated_at', '<=', opts.changesBefore);
    q = q.orderBy('created_at', 'desc').orderBy('id', 'desc');
    if (opts.limit !== undefined) q = q.limit(opts.limit);
    return (await q.execute()).map(actionDTO);
  }

  /** Record the start of an event under the action of (instance, request id). One INSERT … SELECT, one UPDATE. */
  async startEvent(instanceUuid: string, requestId: string, event: string, host: string | null): Promise<void> {
    const now = dbTime();
    const k = this.db.kysely;
    const r = await k
      .insertInto('instance_actions_events')
      .columns(['event', 'action_id', 'start_time', 'host', 'created_at', 'updated_at'])
      .expression(
        k
          .selectFrom('instance_actions')
          .select((eb) => [eb.val(event).as('event'), 'id', eb.val(now).as('start_time'), eb.val(host).as('host'), eb.val(now).as('created_at'), eb.val(now).as('updated_at')])
          .where('instance_uuid', '=', instanceUuid)
          .where('request_id', '=', requestId)
          .orderBy('id', 'desc')
          .limit(1),
      )
      .executeTakeFirst();
    if (Number(r.numInsertedOrUpdatedRows ?? 0n) === 0) return;
    await k.updateTable('instance_actions').set({ updated_at: now }).where('instance_uuid', '=', instanceUuid).where('request_id', '=', requestId).execute();
  }

  /** Record the end of an event (and mark the action as failed on Error). Two UPDATEs. */
  async finishEvent(instanceUuid: string, requestId: string, event: string, result: 'Success' | 'Error', traceback: string | null, details: string | null = null): Promise<void> {
    const now = dbTime();
    const k = this.db.kysely;
    const actionIds = k.selectFrom('instance_actions').select('id').where('instance_uuid', '=', instanceUuid).where('request_id', '=', requestId);
    await k
      .updateTable('instance_actions_events')
      .set({ finish_time: now, result, traceback, details, updated_at: now })
      .where('action_id', 'in', actionIds)
      .where('event', '=', event)
      .where('finish_time', 'is', null)
      .execute();
    const actionUpdate: Record<string, string> = { updated_at: now };
    if (result === 'Error') actionUpdate.message = 'Error';
    await k.updateTable('instance_actions').set(actionUpdate).where('instance_uuid', '=', instanceUuid).where('request_id', '=', requestId).execute();
  }

  async listEvents(actionId: number): Promise<InstanceActionEventDTO[]> {
    const rows = await this.db.kysely.selectFrom('instance_actions_events').selectAll().where('action_id', '=', actionId).orderBy('id').execute();
    return rows.map((r) => ({
      id: r.id,
      event: r.event,
      action_id: r.action_id,
      start_time: r.start_time,
      finish_time: r.finish_time,
      result: r.result,
      traceback: r.traceback,
      host: r.host,
      details: r.details,
    }));
  }
}
