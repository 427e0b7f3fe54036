import type { ConductorAPI } from '../conductor/rpc-types.ts';
import type { NovaConfig } from '../conf/loader.ts';
import { adminContext, type RequestContext } from '../context.ts';
import { NovaError } from '../exception/base.ts';
import { InstanceNotFound, UnexpectedTaskStateError } from '../exception/instance.ts';
import type { Logger } from '../log.ts';
import type { InstanceDTO, InstanceUpdate } from '../objects/instance.ts';
import type { ServiceDTO } from '../objects/service.ts';
import { PowerState, TaskState, VmState } from '../objects/states.ts';
import { methodsOf } from '../rpc/server.ts';
import type { Manager, PeriodicTask } from '../service/manager.ts';
import { Semaphore } from '../util/semaphore.ts';
import { dbTime } from '../util/time.ts';
import type { ComputeDriver, ConsoleEndpoint } from '../virt/driver.ts';
import { buildAndRun } from './build.ts';
import { ComputeHealer } from './healer.ts';
import { syncPowerStates } from './power-sync.ts';
import { ResourceTracker } from './resource-tracker.ts';
import { COMPUTE_METHODS, COMPUTE_RPC_VERSION, type ComputeAPI, type ComputeArgs } from './rpc-types.ts';

export interface ComputeDeps {
  conf: NovaConfig;
  host: string;
  driver: ComputeDriver;
  conductor: ConductorAPI;
  log: Logger;
}

/** The change an action leaves behind when it succeeds. */
type Outcome = Pick<InstanceUpdate, 'vm_state' | 'power_state'>;

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * nova-compute: runs instances on this host through its driver. It has no
 * database; every state change goes to nova-conductor. Each operation
 * records an instance action event; a failure records a fault and resets
 * the task state, as Nova's wrap_instance_fault / reverts_task_state do.
 */
export class ComputeManager implements Manager, ComputeAPI {
  readonly endpoints;
  private readonly builds: Semaphore;
  private readonly tracker: ResourceTracker;
  private readonly healer: ComputeHealer;
  /** Instances with an operation running in this process. */
  private readonly busy = new Set<string>();
  readonly host: string;
  readonly driver: ComputeDriver;
  readonly conductor: ConductorAPI;
  readonly log: Logger;

  constructor(private readonly deps: ComputeDeps) {
    this.host = deps.host;
    this.driver = deps.driver;
    this.conductor = deps.conductor;
    this.log = deps.log;
    this.builds = new Semaphore(deps.conf.DEFAULT.max_concurrent_builds);
    this.tracker = new ResourceTracker(deps.conf, deps.host, deps.driver, deps.conductor, deps.log);
    this.healer = new ComputeHealer({ ...deps, busy: this.busy, builds: this });
    this.endpoints = [{ version: COMPUTE_RPC_VERSION, methods: methodsOf<ComputeAPI>(this, COMPUTE_METHODS) }];
  }

  /** Registered: adopt what runs here, settle interrupted work, report resources. */
  async preStartHook(_service: ServiceDTO): Promise<void> {
    const ctx = adminContext();
    const instances = await this.conductor.instances_on_host(ctx, { host: this.host });
    await this.driver.initHost(this.host, instances);
    for (const inst of instances) await this.initInstance(ctx, inst);
    await this.tracker.update();
    this.log.info({ host: this.host, instances: instances.length }, 'compute host initialised');
  }

  /** Nova's _init_instance: finish deletes, fail interrupted builds, clear stale task states. */
  private async initInstance(ctx: RequestContext, inst: InstanceDTO): Promise<void> {
    try {
      if (inst.task_state === TaskState.DELETING) {
        await this.driver.destroy(inst);
        await this.conductor.instance_destroy(ctx, { uuid: inst.uuid });
      } else if (inst.vm_state === VmState.BUILDING) {
        await this.resumeOrRescheduleBuild(ctx, inst, 'Instance build was interrupted by a restart of nova-compute.');
      } else if (inst.task_state !== null) {
        const info = await this.driver.getInfo(inst).catch((e: unknown) => {
          if (!(e instanceof InstanceNotFound)) this.logFailure(inst.uuid, 'read the power state of an instance with an interrupted task')(e);
          return { state: PowerState.NOSTATE as number };
        });
        await this.conductor.instance_update(ctx, { uuid: inst.uuid, updates: { task_state: null, power_state: info.state } });
      }
    } catch (e) {
      this.log.warn({ instance: inst.uuid, err: errorText(e) }, 'could not initialise instance');
    }
  }

  /**
   * A build that cannot go on here (interrupted by a restart, or timed out):
   * when its guest runs, it is recorded ACTIVE; otherwise its remains go,
   * the claim is released and nova-conductor schedules it again (ERROR once
   * [scheduler] max_attempts hosts were tried), as a failed spawn would be.
   */
  async resumeOrRescheduleBuild(ctx: RequestContext, inst: InstanceDTO, reason: string): Promise<void> {
    const running = await this.driver.getInfo(inst).then(
      (i) => i.state === PowerState.RUNNING,
      (e: unknown) => {
        if (!(e instanceof InstanceNotFound)) this.logFailure(inst.uuid, 'read the power state of an interrupted build')(e);
        return false;
      },
    );
    if (running && inst.task_state === TaskState.SPAWNING) {
      await this.conductor.instance_update(ctx, {
        uuid: inst.uuid,
        updates: { vm_state: VmState.ACTIVE, task_state: null, power_state: PowerState.RUNNING, launched_at: dbTime() },
        expected_task_state: [TaskState.SPAWNING],
      });
      this.log.warn({ instance: inst.uuid }, 'build had finished without being recorded: recorded ACTIVE now');
      return;
    }
    await this.driver.destroy(inst).catch(this.logFailure(inst.uuid, 'destroy the remains of an interrupted build'));
    await this.conductor.instance_fault_create(ctx, { uuid: inst.uuid, code: 500, message: reason, details: '', host: this.host });
    await this.conductor.allocations_release(ctx, { uuid: inst.uuid });
    await this.conductor.reschedule_instance(ctx, { instance: inst, admin_password: null, reason });
    this.log.warn({ instance: inst.uuid, reason }, 'build handed back to nova-conductor for a reschedule');
  }

  /**
   * A catch handler for a follow-up step (cleanup, bookkeeping) whose failure
   * must not hide the outcome being handled: it logs what could not be done,
   * for which instance and why, and lets the caller go on.
   */
  private logFailure(uuid: string, what: string): (e: unknown) => void {
    return (e) => this.log.warn({ instance: uuid, err: errorText(e) }, `could not ${what}`);
  }

  periodicTasks(): PeriodicTask[] {
    const d = this.deps.conf.DEFAULT;
    const tasks: PeriodicTask[] = [
      { name: 'update_available_resource', intervalSec: d.update_resources_interval || d.periodic_interval, run: async () => void (await this.tracker.update()) },
    ];
    tasks.push({ name: '_heal_instances', intervalSec: d.periodic_interval, run: () => this.healer.heal() });
    if (d.sync_power_state_interval > 0) {
      tasks.push({
        name: '_sync_power_states',
        intervalSec: d.sync_power_state_interval,
        run: async () => void (await syncPowerStates(this.host, this.driver, this.conductor, this.log)),
      });
    }
    return tasks;
  }

  async cleanup(): Promise<void> {
    await this.driver.cleanupHost?.();
  }

  private update(ctx: RequestContext, uuid: string, updates: InstanceUpdate, expected?: (string | null)[]): Promise<InstanceDTO> {
    return this.conductor.instance_update(ctx, { uuid, updates, ...(expected ? { expected_task_state: expected } : {}) });
  }

  private async event<T>(ctx: RequestContext, instance: InstanceDTO, name: string, fn: () => Promise<T>): Promise<T> {
    await this.conductor.action_event_start(ctx, { uuid: instance.uuid, event: name, host: this.host });
    try {
      const r = await fn();
      await this.conductor.action_event_finish(ctx, { uuid: instance.uuid, event: name, result: 'Success', traceback: null });
      return r;
    } catch (e) {
      await this.conductor
        .action_event_finish(ctx, { uuid: instance.uuid, event: name, result: 'Error', traceback: errorText(e) })
        .catch(this.logFailure(instance.uuid, `record the failure of action event ${name}`));
      throw e;
    }
  }

  /**
   * Run a driver action: on success apply `outcome` (guarded by the task
   * state the API set); on failure record a fault and clear the task state.
   */
  private act(ctx: RequestContext, instance: InstanceDTO, event: string, expected: string, run: () => Promise<void>, outcome: Outcome): Promise<void> {
    return this.working(instance.uuid, () => this.actNow(ctx, instance, event, expected, run, outcome));
  }

  private async actNow(ctx: RequestContext, instance: InstanceDTO, event: string, expected: string, run: () => Promise<void>, outcome: Outcome): Promise<void> {
    try {
      await this.event(ctx, instance, event, run);
      await this.update(ctx, instance.uuid, { ...outcome, task_state: null }, [expected]);
      this.log.info({ instance: instance.uuid, event }, 'instance action done');
    } catch (e) {
      if (e instanceof UnexpectedTaskStateError || e instanceof InstanceNotFound) {
        this.log.info({ instance: instance.uuid, event, err: e.message }, 'instance changed while the action ran');
        return;
      }
      this.log.error({ instance: instance.uuid, event, err: errorText(e) }, 'instance action failed');
      const code = e instanceof NovaError ? e.status : 500;
      await this.conductor
        .instance_fault_create(ctx, { uuid: instance.uuid, code, message: errorText(e), details: e instanceof Error ? (e.stack ?? '') : '', host: this.host })
        .catch(this.logFailure(instance.uuid, `record the fault of the failed ${event}`));
      await this.update(ctx, instance.uuid, { task_state: null }).catch(this.logFailure(instance.uuid, `clear the task state after the failed ${event}`));
    }
  }

  async build_and_run_instance(ctx: RequestContext, args: ComputeArgs<'build_and_run_instance'>): Promise<void> {
    await this.builds.run(() => this.working(args.instance.uuid, () => buildAndRun(this, ctx, args)));
  }

  /** Run `fn` with the instance marked busy, so the periodic heal leaves it alone. */
  private async working<T>(uuid: string, fn: () => Promise<T>): Promise<T> {
    this.busy.add(uuid);
    try {
      return await fn();
    } finally {
      this.busy.delete(uuid);
    }
  }

  terminate_instance(ctx: RequestContext, args: ComputeArgs<'terminate_instance'>): Promise<void> {
    return this.working(args.instance.uuid, () => this.terminate(ctx, args));
  }

  private async terminate(ctx: RequestContext, args: ComputeArgs<'terminate_instance'>): Promise<void> {
    const { instance } = args;
    await this.event(ctx, instance, 'compute_terminate_instance', async () => {
      await this.driver.destroy(instance);
      await this.conductor.instance_destroy(ctx, { uuid: instance.uuid });
    }).catch(async (e: unknown) => {
      if (e instanceof InstanceNotFound) {
        this.log.info({ instance: instance.uuid, err: e.message }, 'terminate: the instance was already deleted');
        return;
      }
      this.log.error({ instance: instance.uuid, err: errorText(e) }, 'terminate failed');
      await this.conductor
        .instance_fault_create(ctx, { uuid: instance.uuid, code: 500, message: errorText(e), details: '', host: this.host })
        .catch(this.logFailure(instance.uuid, 'record the fault of the failed terminate'));
      await this.update(ctx, instance.uuid, { vm_state: VmState.ERROR, task_state: null }).catch(
        this.logFailure(instance.uuid, 'put the instance whose terminate failed in ERROR'),
      );
    });
  }

  start_instance(ctx: RequestContext, args: ComputeArgs<'start_instance'>): Promise<void> {
    const i = args.instance;
    return this.act(ctx, i, 'compute_start_instance', TaskState.POWERING_ON, () => this.driver.powerOn(i), { vm_state: VmState.ACTIVE, power_state: PowerState.RUNNING });
  }

  stop_instance(ctx: RequestContext, args: ComputeArgs<'stop_instance'>): Promise<void> {
    const i = args.instance;
    const timeout = args.clean_shutdown ? this.deps.conf.compute.shutdown_timeout : 0;
    return this.act(ctx, i, 'compute_stop_instance', TaskState.POWERING_OFF, () => this.driver.powerOff(i, timeout), {
      vm_state: VmState.STOPPED,
      power_state: PowerState.SHUTDOWN,
    });
  }

  reboot_instance(ctx: RequestContext, args: ComputeArgs<'reboot_instance'>): Promise<void> {
    const i = args.instance;
    const expected = args.reboot_type === 'HARD' ? TaskState.REBOOTING_HARD : TaskState.REBOOTING;
    return this.act(ctx, i, 'compute_reboot_instance', expected, () => this.driver.reboot(i, args.reboot_type), { vm_state: VmState.ACTIVE, power_state: PowerState.RUNNING });
  }

  pause_instance(ctx: RequestContext, args: ComputeArgs<'pause_instance'>): Promise<void> {
    const i = args.instance;
    return this.act(ctx, i, 'compute_pause_instance', TaskState.PAUSING, () => this.driver.pause(i), { vm_state: VmState.PAUSED, power_state: PowerState.PAUSED });
  }

  unpause_instance(ctx: RequestContext, args: ComputeArgs<'unpause_instance'>): Promise<void> {
    const i = args.instance;
    return this.act(ctx, i, 'compute_unpause_instance', TaskState.UNPAUSING, () => this.driver.unpause(i), { vm_state: VmState.ACTIVE, power_state: PowerState.RUNNING });
  }

  suspend_instance(ctx: RequestContext, args: ComputeArgs<'suspend_instance'>): Promise<void> {
    const i = args.instance;
    return this.act(ctx, i, 'compute_suspend_instance', TaskState.SUSPENDING, () => this.driver.suspend(i), { vm_state: VmState.SUSPENDED, power_state: PowerState.SUSPENDED });
  }

  resume_instance(ctx: RequestContext, args: ComputeArgs<'resume_instance'>): Promise<void> {
    const i = args.instance;
    return this.act(ctx, i, 'compute_resume_instance', TaskState.RESUMING, () => this.driver.resume(i), { vm_state: VmState.ACTIVE, power_state: PowerState.RUNNING });
  }

  get_console_output(_ctx: RequestContext, args: ComputeArgs<'get_console_output'>): Promise<string> {
    return this.driver.getConsoleOutput(args.instance, args.tail_length ?? undefined);
  }

  get_console_endpoint(_ctx: RequestContext, args: ComputeArgs<'get_console_endpoint'>): Promise<ConsoleEndpoint> {
    if (args.console_type === 'serial') return this.driver.getSerialConsole(args.instance);
    if (args.console_type === 'spice-html5') return this.driver.getSpiceConsole(args.instance);
    return this.driver.getVncConsole(args.instance);
  }
}
