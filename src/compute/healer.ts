/**
 * nova-compute's periodic healing of its own host, so that nothing stays in
 * a transitional state and the hypervisor, the database and the claims
 * agree (Nova's _check_instance_build_time, _init_instance's task-state
 * reset, _cleanup_running_deleted_instances and the resource tracker's
 * allocation healing):
 *
 * - a build older than [DEFAULT] instance_build_timeout is recorded ACTIVE
 *   when its guest runs (its end was lost), else gets a fault and goes back
 *   to the scheduler (ERROR, with no host and no claim, once it was tried
 *   [scheduler] max_attempts times);
 * - a task state older than [compute] task_state_timeout is cleared after
 *   reading the power state (a delete is finished);
 * - a guest whose instance is deleted or elsewhere is reaped
 *   ([DEFAULT] running_deleted_instance_action);
 * - the host's claims are made to match its instances.
 *
 * Instances with an operation running in this process are left alone.
 */
import type { ConductorAPI } from '../conductor/rpc-types.ts';
import type { NovaConfig } from '../conf/loader.ts';
import { adminContext, type RequestContext } from '../context.ts';
import { InstanceNotFound } from '../exception/instance.ts';
import type { Logger } from '../log.ts';
import type { InstanceDTO } from '../objects/instance.ts';
import { PowerState, TaskState, VmState } from '../objects/states.ts';
import { parseDbTime } from '../util/time.ts';
import type { ComputeDriver } from '../virt/driver.ts';

export interface HealerDeps {
  readonly conf: NovaConfig;
  readonly host: string;
  readonly driver: ComputeDriver;
  readonly conductor: ConductorAPI;
  readonly log: Logger;
  /** Instances with an operation running in this process. */
  readonly busy: ReadonlySet<string>;
  /** What ends a build that cannot go on here (see ComputeManager.resumeOrRescheduleBuild). */
  readonly builds: { resumeOrRescheduleBuild(ctx: RequestContext, inst: InstanceDTO, reason: string): Promise<void> };
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function ageMs(inst: InstanceDTO, now: number): number {
  const t = inst.updated_at ?? inst.created_at;
  return t ? now - parseDbTime(t).getTime() : 0;
}

export class ComputeHealer {
  /** When each guest without an instance here was first seen. */
  private readonly orphanSince = new Map<string, number>();
  private lastOrphanCheck = 0;

  constructor(private readonly d: HealerDeps) {}

  /** One pass; each instance's failure is logged and the pass goes on. */
  async heal(now = Date.now()): Promise<void> {
    const ctx = adminContext();
    const { conductor, host, log } = this.d;
    const instances = await conductor.instances_on_host(ctx, { host });
    for (const inst of instances) {
      if (this.d.busy.has(inst.uuid)) continue;
      await this.healInstance(ctx, inst, now).catch((e: unknown) => log.warn({ instance: inst.uuid, err: errorText(e) }, 'could not heal instance'));
    }
    await this.reapOrphans(ctx, instances, now).catch((e: unknown) => log.warn({ err: errorText(e) }, 'could not check for guests without an instance'));
    const report = await conductor.allocations_heal(ctx, { host });
    if (report.claimed.length || report.released.length)
      log.warn({ host, claimed: report.claimed, released: report.released }, 'claims healed to match the instances of this host');
  }

  private async healInstance(ctx: RequestContext, inst: InstanceDTO, now: number): Promise<void> {
    const { conf, conductor, driver, log } = this.d;
    const age = ageMs(inst, now);
    const buildTimeout = conf.DEFAULT.instance_build_timeout * 1000;
    const taskTimeout = conf.compute.task_state_timeout * 1000;
    if (inst.vm_state === VmState.BUILDING) {
      if (buildTimeout <= 0 || age <= buildTimeout) return;
      await this.d.builds.resumeOrRescheduleBuild(
        ctx,
        inst,
        `Build of instance ${inst.uuid} timed out after ${conf.DEFAULT.instance_build_timeout} seconds (task_state ${inst.task_state ?? 'none'}).`,
      );
      return;
    }
    if (inst.task_state === null || taskTimeout <= 0 || age <= taskTimeout) return;
    if (inst.task_state === TaskState.DELETING) {
      await driver.destroy(inst);
      await conductor.instance_destroy(ctx, { uuid: inst.uuid }).catch((e: unknown) => {
        if (!(e instanceof InstanceNotFound)) throw e;
      });
      log.warn({ instance: inst.uuid }, 'finished a delete that was left half way');
      return;
    }
    const info = await driver.getInfo(inst).catch((e: unknown) => {
      if (e instanceof InstanceNotFound) return { state: PowerState.NOSTATE };
      throw e;
    });
    await conductor.instance_update(ctx, { uuid: inst.uuid, updates: { task_state: null, power_state: info.state }, expected_task_state: [inst.task_state] });
    log.warn({ instance: inst.uuid, task_state: inst.task_state, age_s: Math.round(age / 1000) }, 'cleared a task state no operation was working on');
  }

  /** Guests this hypervisor runs for instances that are deleted or not on this host: reap them (or log, shut down) as configured. */
  private async reapOrphans(ctx: RequestContext, instances: readonly InstanceDTO[], now: number): Promise<void> {
    const { conf, conductor, driver, log } = this.d;
    const action = conf.DEFAULT.running_deleted_instance_action;
    const interval = conf.DEFAULT.running_deleted_instance_poll_interval * 1000;
    if (action === 'noop' || interval <= 0 || now - this.lastOrphanCheck < interval) return;
    this.lastOrphanCheck = now;
    const known = new Set([...instances.map((i) => i.uuid), ...this.d.busy]);
    const guests = await driver.listInstances();
    for (const uuid of [...this.orphanSince.keys()]) if (!guests.includes(uuid) || known.has(uuid)) this.orphanSince.delete(uuid);
    for (const uuid of guests) {
      if (known.has(uuid)) continue;
      const since = this.orphanSince.get(uuid) ?? now;
      this.orphanSince.set(uuid, since);
      if (now - since < conf.DEFAULT.running_deleted_instance_timeout * 1000) continue;
      const record = await conductor.instance_get(ctx, { uuid, read_deleted: true }).catch((e: unknown) => {
        if (e instanceof InstanceNotFound) return null;
        throw e;
      });
      if (record && !record.deleted && record.host === this.d.host) continue; // placed here since the list was read
      if (!record) {
        log.warn({ instance: uuid }, 'a guest runs for an instance the database does not know; leaving it');
        continue;
      }
      if (action === 'log') {
        log.warn({ instance: uuid }, 'a guest runs for an instance that is deleted or elsewhere');
        continue;
      }
      if (action === 'shutdown') await driver.powerOff(record, 0);
      else await driver.destroy(record);
      this.orphanSince.delete(uuid);
      log.warn({ instance: uuid, action }, 'guest of a deleted instance handled');
    }
  }
}
