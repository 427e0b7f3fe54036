/**
 * nova-conductor's look for servers stuck in a build (not in Nova, which
 * leaves them): a server waiting in `scheduling` with no host past
 * [conductor] build_request_timeout lost its build request (a scheduler
 * died holding it, or nova-api could not send it) and gets it sent again,
 * up to [scheduler] max_attempts times, then ends in ERROR; a build on a
 * compute host that is down past [DEFAULT] instance_build_timeout goes back
 * to the scheduler (ERROR with no host and no claim after max_attempts;
 * nova-compute heals its own host's builds while it is up). Every step is guarded, so several conductors may run it.
 */
import type { NovaConfig } from '../conf/loader.ts';
import { adminContext } from '../context.ts';
import type { DbApi } from '../db/api/index.ts';
import { InstanceNotFound, UnexpectedTaskStateError } from '../exception/instance.ts';
import type { Logger } from '../log.ts';
import type { InstanceDTO } from '../objects/instance.ts';
import { requestSpecFromInstance } from '../objects/request-spec.ts';
import { TaskState, VmState } from '../objects/states.ts';
import type { SchedulerAPI } from '../scheduler/rpc-types.ts';
import { serviceIsUp } from '../service/servicegroup.ts';
import { dbTime, parseDbTime } from '../util/time.ts';

export interface BuildHealerDeps {
  readonly conf: NovaConfig;
  readonly db: DbApi;
  readonly scheduler: SchedulerAPI;
  readonly log: Logger;
  /** Send a build that failed on its host back to the scheduler (ERROR after max_attempts). */
  reschedule(inst: InstanceDTO, reason: string): Promise<void>;
}

/** The instance changed or went away meanwhile (another writer won): nothing to heal. */
function movedOn(e: unknown): boolean {
  return e instanceof UnexpectedTaskStateError || e instanceof InstanceNotFound;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export class BuildHealer {
  constructor(private readonly d: BuildHealerDeps) {}

  async heal(now = Date.now()): Promise<void> {
    const { conf, db, log } = this.d;
    const requeueAfter = conf.conductor.build_request_timeout * 1000;
    const buildTimeout = conf.DEFAULT.instance_build_timeout * 1000;
    const cutoff = Math.min(requeueAfter, buildTimeout > 0 ? buildTimeout : requeueAfter);
    for (const inst of await db.instances.staleBuilds(dbTime(new Date(now - cutoff)))) {
      const age = now - parseDbTime(inst.updated_at ?? inst.created_at ?? dbTime()).getTime();
      try {
        if (inst.host === null && inst.task_state === TaskState.SCHEDULING) {
          if (age > requeueAfter) await this.requeue(inst);
        } else if (inst.host !== null && buildTimeout > 0 && age > buildTimeout) {
          await this.failOnDeadHost(inst, age);
        }
      } catch (e) {
        log.warn({ instance: inst.uuid, err: errorText(e) }, 'could not heal a stuck build');
      }
    }
  }

  /** Send a lost build request again, or end the build once it was sent max_attempts times. */
  private async requeue(inst: InstanceDTO): Promise<void> {
    const { conf, db, log, scheduler } = this.d;
    let stored = await db.requestSpecs.get(inst.uuid);
    if (!stored) {
      // Recorded but its request spec never was (the database went away half way through the create): rebuild it from the instance.
      await db.requestSpecs.saveFor(requestSpecFromInstance(inst));
      stored = await db.requestSpecs.get(inst.uuid);
      if (!stored) return;
    }
    const max = conf.scheduler.max_attempts;
    if (stored.requeues >= max) {
      await this.fail(inst, `Build of instance ${inst.uuid} was not scheduled: its build request was lost ${stored.requeues + 1} times.`, [TaskState.SCHEDULING]);
      return;
    }
    if (!(await db.requestSpecs.claimRequeue(inst.uuid, stored.requeues))) return; // another conductor is on it
    // Still unplaced? (A guarded touch: a scheduler that placed it meanwhile wins.)
    try {
      await db.instances.update(inst.uuid, {}, { expectedTaskState: [TaskState.SCHEDULING], expectedHost: null });
    } catch (e) {
      if (movedOn(e)) return;
      throw e;
    }
    log.warn({ instance: inst.uuid, attempt: stored.requeues + 1 }, 'build request lost: sending it to the scheduler again');
    await scheduler.build_instances(adminContext(), { request_spec: stored.spec, admin_password: null });
  }

  /** A build on a host whose nova-compute is down: it cannot finish there. */
  private async failOnDeadHost(inst: InstanceDTO, ageMs: number): Promise<void> {
    const { conf, db } = this.d;
    const host = inst.host ?? '';
    const service = await db.services.findByHostAndBinary(host, 'nova-compute');
    if (service && serviceIsUp(service, conf.DEFAULT.service_down_time)) return; // nova-compute heals its own builds
    const message = `Build of instance ${inst.uuid} timed out after ${Math.round(ageMs / 1000)} seconds: nova-compute on ${host} is down.`;
    await db.history.addFault({ instance_uuid: inst.uuid, code: 500, message, details: '', host });
    await db.computeNodes.release(inst.uuid);
    this.d.log.warn({ instance: inst.uuid, host }, `${message} Rescheduling.`);
    await this.d.reschedule(inst, message);
  }

  /** ERROR with a fault, no host, no claim (a build that never completed holds nothing). */
  private async fail(inst: InstanceDTO, message: string, expectedTask: (string | null)[] | null): Promise<void> {
    const { db, log } = this.d;
    try {
      await db.instances.update(
        inst.uuid,
        { vm_state: VmState.ERROR, task_state: null, host: null, node: null },
        { expectedVmState: [VmState.BUILDING], ...(expectedTask ? { expectedTaskState: expectedTask } : {}), expectedHost: inst.host },
      );
    } catch (e) {
      if (movedOn(e)) return;
      throw e;
    }
    await db.history.addFault({ instance_uuid: inst.uuid, code: 500, message, details: '', host: null });
    await db.computeNodes.release(inst.uuid);
    log.warn({ instance: inst.uuid }, message);
  }
}
