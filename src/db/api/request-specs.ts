import type { RequestSpec } from '../../objects/request-spec.ts';
import type { Db } from '../connection.ts';
import { dbTime } from '../time.ts';
import { affected, isDuplicate } from './common.ts';

/** A stored request spec and how often its build request was sent again. */
export interface StoredRequestSpec {
  readonly spec: RequestSpec;
  readonly requeues: number;
  readonly updated_at: string | null;
}

function parse(text: string): RequestSpec {
  const v: unknown = JSON.parse(text);
  if (v === null || typeof v !== 'object' || !('instance_uuids' in v)) throw new Error('stored request spec is not a RequestSpec');
  // Written by save() from a RequestSpec; the shape was checked above.
  return v as RequestSpec;
}

/** request_specs: one RequestSpec per instance (narrowed to that instance), as Nova's RequestSpec objects. */
export class RequestSpecRepository {
  constructor(private readonly db: Db) {}

  /** Store (or replace) the spec of each instance of `spec`, narrowed to it; `created`: the instances are new (no spec yet). */
  async saveFor(spec: RequestSpec, opts: { created?: boolean } = {}): Promise<void> {
    const now = dbTime();
    for (const uuid of spec.instance_uuids) {
      const one = JSON.stringify({ ...spec, instance_uuids: [uuid], num_instances: 1 });
      // A new instance has no spec yet: straight to the INSERT (a duplicate still becomes an update).
      if (!opts.created) {
        const r = await this.db.kysely.updateTable('request_specs').set({ spec: one, updated_at: now }).where('instance_uuid', '=', uuid).executeTakeFirst();
        if (affected(r) > 0) continue;
      }
      try {
        await this.db.kysely.insertInto('request_specs').values({ instance_uuid: uuid, spec: one, created_at: now, updated_at: now }).execute();
      } catch (e) {
        if (!isDuplicate(e)) throw e;
        await this.db.kysely.updateTable('request_specs').set({ spec: one, updated_at: now }).where('instance_uuid', '=', uuid).execute();
      }
    }
  }

  async get(instanceUuid: string): Promise<StoredRequestSpec | null> {
    const r = await this.db.kysely.selectFrom('request_specs').select(['spec', 'requeues', 'updated_at']).where('instance_uuid', '=', instanceUuid).executeTakeFirst();
    return r ? { spec: parse(r.spec), requeues: r.requeues, updated_at: r.updated_at } : null;
  }

  /**
   * Count one more re-sent build request, if the count is still `seen`:
   * of several conductors healing at once, exactly one wins and sends it.
   */
  async claimRequeue(instanceUuid: string, seen: number): Promise<boolean> {
    const r = await this.db.kysely
      .updateTable('request_specs')
      .set({ requeues: seen + 1, updated_at: dbTime() })
      .where('instance_uuid', '=', instanceUuid)
      .where('requeues', '=', seen)
      .executeTakeFirst();
    return affected(r) === 1;
  }

  async destroy(instanceUuid: string): Promise<void> {
    await this.db.kysely.deleteFrom('request_specs').where('instance_uuid', '=', instanceUuid).execute();
  }
}
