/**
 * nova-conductor's part of moving a server (Nova's conductor tasks
 * MigrationTask, LiveMigrationTask and the rebuild/unshelve paths): take the
 * instance's RequestSpec, let the scheduler choose and claim a destination
 * (or check the one asked for), move the source's claim onto the migration
 * record, and start the move on the compute hosts. When no destination can
 * be found the move is undone: claims back, migration in error, the
 * instance as it was with a fault saying why.
 */

import type { ComputeAPI } from '../compute/rpc-types.ts';
import type { NovaConfig } from '../conf/loader.ts';
import type { RequestContext } from '../context.ts';
import type { DbApi } from '../db/api/index.ts';
import type { Logger } from '../log.ts';
import type { FlavorSnapshot, InstanceDTO } from '../objects/instance.ts';
import type { MigrationDTO } from '../objects/migration.ts';
import { type RequestedDestination, type RequestSpec, requestSpecFromInstance } from '../objects/request-spec.ts';
import { TaskState, VmState } from '../objects/states.ts';
import type { Destination, SchedulerAPI } from '../scheduler/rpc-types.ts';

export interface MoveDeps {
  readonly conf: NovaConfig;
  readonly db: DbApi;
  readonly scheduler: SchedulerAPI;
  readonly compute: ComputeAPI;
  readonly log: Logger;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The instance's RequestSpec, narrowed to a move of it (a flavor, hosts to avoid, where it must go). */
async function moveSpec(d: MoveDeps, inst: InstanceDTO, o: { flavor?: FlavorSnapshot; ignore: string[]; to: RequestedDestination | null }): Promise<RequestSpec> {
  const stored = (await d.db.requestSpecs.get(inst.uuid))?.spec ?? requestSpecFromInstance(inst);
  return {
    ...stored,
    instance_uuids: [inst.uuid],
    num_instances: 1,
    flavor: o.flavor ?? inst.flavor,
    ignore_hosts: o.ignore,
    force_hosts: o.to ? [o.to.host] : [],
    force_nodes: o.to?.node ? [o.to.node] : [],
    retry: { num_attempts: 1, hosts: [] },
    requested_destination: o.to,
  };
}

/**
 * Choose and claim a destination for the instance, the source's claim moved
 * onto the migration first (so a same-host resize claims its new flavor
 * beside the old one). Null when none can be had (everything undone).
 */
async function claimDestination(
  d: MoveDeps,
  ctx: RequestContext,
  inst: InstanceDTO,
  migration: MigrationDTO,
  spec: RequestSpec,
  events: readonly string[],
): Promise<Destination | null> {
  await d.db.computeNodes.moveAllocations(inst.uuid, migration.uuid);
  try {
    const [dest] = await d.scheduler.select_destinations(ctx, { request_spec: spec });
    if (!dest) throw new Error('No valid host was found.');
    const node = await d.db.computeNodes.getByHost(dest.host);
    await d.db.migrations.update(migration.uuid, { dest_compute: dest.host, dest_node: dest.nodename, dest_host: node.host_ip ?? dest.host });
    return dest;
  } catch (e) {
    await undo(d, ctx, inst, migration, e, events);
    return null;
  }
}

/** The move did not happen: claims back, migration in error, a fault, its instance action `events` in error, the instance's task state cleared. */
export async function undo(d: MoveDeps, ctx: RequestContext, inst: InstanceDTO, migration: MigrationDTO, e: unknown, events: readonly string[]): Promise<void> {
  const message = errorText(e);
  d.log.warn({ instance: inst.uuid, migration: migration.uuid, err: message }, `${events.at(-1)} could not start`);
  await d.db.computeNodes.revertAllocations(inst.uuid, migration.uuid);
  await d.db.migrations.update(migration.uuid, { status: 'error' });
  await d.db.history.addFault({ instance_uuid: inst.uuid, code: 400, message, details: message, host: null });
  for (const event of events) await d.db.history.finishEvent(inst.uuid, ctx.request_id, event, 'Error', message);
  await d.db.instances
    .update(inst.uuid, { task_state: null, new_flavor: null })
    .catch((err: unknown) => d.log.warn({ instance: inst.uuid, err: errorText(err) }, 'could not clear the task state of a move that did not start'));
}

/** Resize or cold migration: schedule with the (new) flavor, then prep_resize on the destination. */
export async function migrateServer(
  d: MoveDeps,
  ctx: RequestContext,
  args: { instance: InstanceDTO; migration_uuid: string; flavor: FlavorSnapshot; requested_destination: RequestedDestination | null; clean_shutdown: boolean },
): Promise<void> {
  const { instance: inst } = args;
  const migration = await d.db.migrations.getByUuid(args.migration_uuid);
  const resize = migration.migration_type === 'resize';
  const sameHost = resize && d.conf.DEFAULT.allow_resize_to_same_host;
  const spec = await moveSpec(d, inst, { flavor: args.flavor, ignore: sameHost || !inst.host ? [] : [inst.host], to: args.requested_destination });
  // Nova's events: conductor_migrate_server (wrap_instance_event) around cold_migrate (an EventReporter).
  const events = ['cold_migrate', 'conductor_migrate_server'];
  for (const event of events.toReversed()) await d.db.history.startEvent(inst.uuid, ctx.request_id, event, null);
  const dest = await claimDestination(d, ctx, inst, migration, spec, events);
  if (!dest) return;
  for (const event of events) await d.db.history.finishEvent(inst.uuid, ctx.request_id, event, 'Success', null);
  d.log.info({ instance: inst.uuid, from: inst.host, to: dest.host, resize }, resize ? 'resize scheduled' : 'cold migration scheduled');
  await d.compute.prep_resize(ctx, { host: dest.host, instance: inst, migration: await d.db.migrations.getByUuid(migration.uuid), clean_shutdown: args.clean_shutdown });
}

/** Evacuate: schedule away from the failed host (or take the one asked for) and rebuild there. */
export async function evacuateInstance(
  d: MoveDeps,
  ctx: RequestContext,
  args: { instance: InstanceDTO; migration_uuid: string; host: string | null; force: boolean; admin_password: string | null },
): Promise<void> {
  const { instance: inst } = args;
  const migration = await d.db.migrations.getByUuid(args.migration_uuid);
  const spec = await moveSpec(d, inst, { ignore: inst.host ? [inst.host] : [], to: args.host ? { host: args.host } : null });
  // Nova's event for both rebuild and evacuate in the conductor: rebuild_server (an EventReporter, no prefix).
  await d.db.history.startEvent(inst.uuid, ctx.request_id, 'rebuild_server', null);
  const dest = await claimDestination(d, ctx, inst, migration, spec, ['rebuild_server']);
  if (!dest) return;
  await d.db.history.finishEvent(inst.uuid, ctx.request_id, 'rebuild_server', 'Success', null);
  await d.db.migrations.update(migration.uuid, { status: 'pre-migrating' });
  const image = spec.image;
  d.log.info({ instance: inst.uuid, from: inst.host, to: dest.host }, 'evacuation scheduled');
  await d.compute.rebuild_instance(ctx, {
    host: dest.host,
    node: dest.nodename,
    instance: inst,
    image,
    admin_password: args.admin_password,
    preserve_ephemeral: false,
    migration: await d.db.migrations.getByUuid(migration.uuid),
  });
}

/**
 * Unshelve (Nova's ComputeTaskManager.unshelve_instance). A SHELVED
 * instance still has its guest: POWERING_ON, powered on by its host. An
 * offloaded one is scheduled with its RequestSpec (the zone nova-api
 * saved there, the host asked for as the requested destination, nothing
 * forced), which claims the chosen node; the instance is placed there and
 * its host boots it from the shelved image. No host: the instance stays
 * offloaded, its task state cleared, with a fault saying why.
 */
export async function unshelveInstance(d: MoveDeps, ctx: RequestContext, args: { instance: InstanceDTO; availability_zone: string | null; host: string | null }): Promise<void> {
  const { instance: inst } = args;
  if (inst.vm_state === VmState.SHELVED) {
    const i = await d.db.instances.update(inst.uuid, { task_state: TaskState.POWERING_ON }, { expectedTaskState: [TaskState.UNSHELVING] });
    await d.compute.unshelve_instance(ctx, { host: i.host ?? '', instance: i, image: null, node: i.node });
    return;
  }
  if (inst.vm_state !== VmState.SHELVED_OFFLOADED) {
    d.log.error({ instance: inst.uuid, vm_state: inst.vm_state }, 'unshelve attempted but vm_state not SHELVED or SHELVED_OFFLOADED');
    await d.db.instances.update(inst.uuid, { vm_state: VmState.ERROR, task_state: null });
    return;
  }
  const stored = (await d.db.requestSpecs.get(inst.uuid))?.spec ?? requestSpecFromInstance(inst);
  const imageId = inst.system_metadata.shelved_image_id ?? inst.image_ref;
  const spec: RequestSpec = {
    ...stored,
    instance_uuids: [inst.uuid],
    num_instances: 1,
    availability_zone: args.availability_zone,
    image: { ...stored.image, id: imageId },
    ignore_hosts: [],
    force_hosts: args.host ? [args.host] : [],
    force_nodes: [],
    retry: { num_attempts: 1, hosts: [] },
    requested_destination: args.host ? { host: args.host } : null,
  };
  await d.db.history.startEvent(inst.uuid, ctx.request_id, 'schedule_instances', null);
  let dest: Destination | undefined;
  try {
    [dest] = await d.scheduler.select_destinations(ctx, { request_spec: spec });
    if (!dest) throw new Error('No valid host was found.');
  } catch (e) {
    const message = errorText(e);
    d.log.warn({ instance: inst.uuid, err: message }, 'no valid host found for unshelve instance');
    await d.db.history.addFault({ instance_uuid: inst.uuid, code: 400, message, details: message, host: null });
    await d.db.history.finishEvent(inst.uuid, ctx.request_id, 'schedule_instances', 'Error', message);
    await d.db.instances.update(inst.uuid, { task_state: null }, { expectedVmState: [VmState.SHELVED_OFFLOADED] });
    return;
  }
  await d.db.history.finishEvent(inst.uuid, ctx.request_id, 'schedule_instances', 'Success', null);
  let placed: InstanceDTO;
  try {
    // Placed at once: the destination's claims heal then counts the claim the scheduler took as this instance's.
    placed = await d.db.instances.update(
      inst.uuid,
      { host: dest.host, node: dest.nodename, availability_zone: dest.availability_zone },
      { expectedTaskState: [TaskState.UNSHELVING], expectedVmState: [VmState.SHELVED_OFFLOADED] },
    );
  } catch (e) {
    d.log.info({ instance: inst.uuid, err: errorText(e) }, 'instance changed while its unshelve was scheduled; giving the claim back');
    await d.db.computeNodes.release(inst.uuid, dest.node_id);
    return;
  }
  d.log.info({ instance: inst.uuid, host: dest.host }, 'unshelve scheduled');
  await d.compute.unshelve_instance(ctx, { host: dest.host, node: dest.nodename, instance: placed, image: spec.image });
}

/**
 * Live migration: the destination asked for (forced past the scheduler
 * before 2.68 when `force`) or one the scheduler chooses; the destination
 * checked; then the source runs it. The source's claim is held by the
 * migration until the move completes.
 */
export async function liveMigrateInstance(
  d: MoveDeps,
  ctx: RequestContext,
  args: { instance: InstanceDTO; migration_uuid: string; host: string | null; force: boolean; block_migration: boolean },
): Promise<void> {
  const { instance: inst } = args;
  const migration = await d.db.migrations.getByUuid(args.migration_uuid);
  await d.db.history.startEvent(inst.uuid, ctx.request_id, 'conductor_live_migrate_instance', null);
  let dest: { host: string; nodename: string } | null;
  if (args.host && args.force) {
    // A forced destination skips the scheduler (and its filters), as Nova's force=True did: the claim is taken as is.
    try {
      const node = await d.db.computeNodes.getByHost(args.host);
      await d.db.computeNodes.moveAllocations(inst.uuid, migration.uuid);
      const f = inst.flavor;
      await d.db.computeNodes.claim(
        node.id,
        inst.uuid,
        { vcpus: f.vcpus, memory_mb: f.memory_mb, disk_gb: f.root_gb + f.ephemeral_gb + Math.ceil(f.swap / 1024) },
        { force: true },
      );
      await d.db.migrations.update(migration.uuid, { dest_compute: node.host, dest_node: node.hypervisor_hostname, dest_host: node.host_ip ?? node.host });
      dest = { host: node.host, nodename: node.hypervisor_hostname };
    } catch (e) {
      await undo(d, ctx, inst, migration, e, ['conductor_live_migrate_instance']);
      return;
    }
  } else {
    const spec = await moveSpec(d, inst, { ignore: inst.host ? [inst.host] : [], to: args.host ? { host: args.host } : null });
    dest = await claimDestination(d, ctx, inst, migration, spec, ['conductor_live_migrate_instance']);
    if (!dest) return;
  }
  try {
    await d.compute.check_can_live_migrate_destination(ctx, { host: dest.host, instance: inst, block_migration: args.block_migration });
  } catch (e) {
    await undo(d, ctx, inst, migration, e, ['conductor_live_migrate_instance']);
    return;
  }
  await d.db.history.finishEvent(inst.uuid, ctx.request_id, 'conductor_live_migrate_instance', 'Success', null);
  const m = await d.db.migrations.update(migration.uuid, { status: 'queued' });
  d.log.info({ instance: inst.uuid, from: inst.host, to: dest.host }, 'live migration starting');
  await d.compute.live_migration(ctx, { instance: inst, migration: m, dest: dest.host, dest_address: m.dest_host ?? dest.host, block_migration: args.block_migration });
}
