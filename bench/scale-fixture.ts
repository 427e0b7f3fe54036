/**
 * The 10,000 servers of the list bench: a few servers booted for real
 * through the API, then their rows copied as many times as wanted with new
 * uuids and names — the instance (its flavor snapshot, metadata and network
 * info cache), block device mappings, request spec, allocations and
 * instance actions with their events, i.e. what a real boot writes — in
 * multi-row INSERTs of a few hundred rows. The compute nodes' usage is then
 * set to the sum of the allocations, as claims keep it.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { NovaDatabase } from '../src/db/schema.ts';

type Row = Record<string, unknown>;
const BATCH = 250;

function without<T extends Row>(r: T, ...keys: string[]): Row {
  const out: Row = { ...r };
  for (const k of keys) delete out[k];
  return out;
}

/** A stored time `ms` milliseconds after 2026-01-01, as the database columns hold it. */
function at(ms: number): string {
  return new Date(Date.UTC(2026, 0, 1) + ms).toISOString().replace('T', ' ').slice(0, 19);
}

/**
 * Copy the live servers `templates` (uuids) until there are `count` copies
 * named `${prefix}N`, N from 0, created one second apart (the newest last).
 */
export async function cloneServers(db: Kysely<NovaDatabase>, templates: readonly string[], count: number, prefix: string): Promise<void> {
  const instances = await db
    .selectFrom('instances')
    .selectAll()
    .where('uuid', 'in', [...templates])
    .execute();
  const byUuid = async <T extends 'block_device_mapping' | 'request_specs' | 'instance_actions'>(table: T) =>
    (await db
      .selectFrom(table as 'block_device_mapping')
      .selectAll()
      .where('instance_uuid', 'in', [...templates])
      .execute()) as unknown as Row[];
  const bdms = await byUuid('block_device_mapping');
  const specs = await byUuid('request_specs');
  const actions = await byUuid('instance_actions');
  const events = actions.length
    ? ((await db
        .selectFrom('instance_actions_events')
        .selectAll()
        .where(
          'action_id',
          'in',
          actions.map((a) => Number(a.id)),
        )
        .execute()) as unknown as Row[])
    : [];
  const allocations = (await db
    .selectFrom('allocations')
    .selectAll()
    .where('consumer_uuid', 'in', [...templates])
    .execute()) as unknown as Row[];
  if (instances.length === 0) throw new Error('no template servers to copy');
  for (let start = 0; start < count; start += BATCH) {
    const n = Math.min(BATCH, count - start);
    const rows: Row[] = [];
    const bdmRows: Row[] = [];
    const specRows: Row[] = [];
    const allocRows: Row[] = [];
    const actionRows: Row[] = [];
    const clones: { uuid: string; from: string; created: string }[] = [];
    for (let k = 0; k < n; k++) {
      const i = start + k;
      const t = instances[i % instances.length] as unknown as Row;
      const uuid = randomUUID();
      const name = `${prefix}${i}`;
      const created = at(i * 1000);
      clones.push({ uuid, from: String(t.uuid), created });
      rows.push({ ...without(t, 'id'), uuid, display_name: name, hostname: name, reservation_id: `r-${uuid.slice(0, 8)}`, created_at: created, updated_at: created });
      for (const b of bdms.filter((x) => x.instance_uuid === t.uuid)) bdmRows.push({ ...without(b, 'id'), uuid: randomUUID(), instance_uuid: uuid, created_at: created });
      for (const s of specs.filter((x) => x.instance_uuid === t.uuid))
        specRows.push({ ...without(s, 'id'), instance_uuid: uuid, spec: String(s.spec).replaceAll(String(t.uuid), uuid), created_at: created });
      for (const a of allocations.filter((x) => x.consumer_uuid === t.uuid)) allocRows.push({ ...without(a, 'id'), consumer_uuid: uuid, created_at: created });
      for (const a of actions.filter((x) => x.instance_uuid === t.uuid)) actionRows.push({ ...without(a, 'id'), instance_uuid: uuid, request_id: `req-${randomUUID()}` });
    }
    await db
      .insertInto('instances')
      .values(rows as never)
      .execute();
    if (bdmRows.length)
      await db
        .insertInto('block_device_mapping')
        .values(bdmRows as never)
        .execute();
    if (specRows.length)
      await db
        .insertInto('request_specs')
        .values(specRows as never)
        .execute();
    if (allocRows.length)
      await db
        .insertInto('allocations')
        .values(allocRows as never)
        .execute();
    if (actionRows.length && events.length) {
      await db
        .insertInto('instance_actions')
        .values(actionRows as never)
        .execute();
      // The events of each copied action, under the new action's id (found by its request id).
      const made = await db
        .selectFrom('instance_actions')
        .select(['id', 'request_id', 'action', 'instance_uuid'])
        .where(
          'request_id',
          'in',
          actionRows.map((a) => String(a.request_id)),
        )
        .execute();
      const from = new Map(clones.map((c) => [c.uuid, c.from]));
      const eventRows: Row[] = [];
      for (const m of made) {
        const template = actions.find((a) => a.instance_uuid === from.get(m.instance_uuid) && a.action === m.action);
        for (const e of events.filter((x) => x.action_id === template?.id)) eventRows.push({ ...without(e, 'id'), action_id: m.id });
      }
      if (eventRows.length)
        await db
          .insertInto('instance_actions_events')
          .values(eventRows as never)
          .execute();
    } else if (actionRows.length)
      await db
        .insertInto('instance_actions')
        .values(actionRows as never)
        .execute();
  }
  // What the claims would have counted on each node.
  await sql`UPDATE compute_nodes SET
      vcpus_used = (SELECT COALESCE(SUM(a.vcpus), 0) FROM allocations a WHERE a.compute_node_id = compute_nodes.id),
      memory_mb_used = (SELECT COALESCE(SUM(a.memory_mb), 0) FROM allocations a WHERE a.compute_node_id = compute_nodes.id),
      local_gb_used = (SELECT COALESCE(SUM(a.disk_gb), 0) FROM allocations a WHERE a.compute_node_id = compute_nodes.id)`.execute(db);
}
