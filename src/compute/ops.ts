/**
 * What every nova-compute operation works with (the host, its driver,
 * nova-conductor for every write, the peer compute hosts for the other end
 * of a move, the image service for snapshots) and the steps they share:
 * instance action events, guarded updates, faults, and the "busy" marks the
 * periodic heal respects. Nova's wrap_instance_event, reverts_task_state and
 * wrap_instance_fault, as one object.
 */
import type { CinderClient } from '../clients/cinder.ts';
import type { NeutronClient } from '../clients/neutron.ts';
import type { ConductorAPI } from '../conductor/rpc-types.ts';
import type { NovaConfig } from '../conf/loader.ts';
import type { RequestContext } from '../context.ts';
import { NovaError } from '../exception/base.ts';
import { InstanceNotFound, UnexpectedTaskStateError } from '../exception/instance.ts';
import type { Logger } from '../log.ts';
import type { InstanceDTO, InstanceUpdate } from '../objects/instance.ts';
import type { ComputeDriver } from '../virt/driver.ts';
import type { ImageUploader } from '../virt/images.ts';
import { bindToHost } from './networking.ts';
import type { ComputeAPI } from './rpc-types.ts';

export interface ComputeDeps {
  conf: NovaConfig;
  host: string;
  driver: ComputeDriver;
  conductor: ConductorAPI;
  /** The other compute hosts (the far end of a move). */
  compute: ComputeAPI;
  /** Where snapshots go; absent without an image service. */
  images?: ImageUploader;
  /** The network service ([neutron]); absent without one (servers get no ports). */
  network?: NeutronClient;
  /** The volume service ([cinder]); absent without one (no volume exists). */
  volume?: CinderClient;
  log: Logger;
}

/** The change an action leaves behind when it succeeds. */
export type Outcome = Pick<InstanceUpdate, 'vm_state' | 'power_state'>;

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export class ComputeOps {
  readonly conf: NovaConfig;
  readonly host: string;
  readonly driver: ComputeDriver;
  readonly conductor: ConductorAPI;
  readonly compute: ComputeAPI;
  readonly images: ImageUploader | undefined;
  readonly network: NeutronClient | undefined;
  readonly volume: CinderClient | undefined;
  readonly log: Logger;
  /** Instances with an operation running in this process (the periodic heal leaves them alone). */
  readonly busy = new Set<string>();

  constructor(deps: ComputeDeps) {
    this.conf = deps.conf;
    this.host = deps.host;
    this.driver = deps.driver;
    this.conductor = deps.conductor;
    this.compute = deps.compute;
    this.images = deps.images;
    this.network = deps.network;
    this.volume = deps.volume;
    this.log = deps.log;
  }

  /** This host's address as its peers reach it ([DEFAULT] my_ip). */
  get address(): string {
    return this.conf.DEFAULT.my_ip;
  }

  /** Run `fn` with the instance marked busy. */
  async working<T>(uuid: string, fn: () => Promise<T>): Promise<T> {
    this.busy.add(uuid);
    try {
      return await fn();
    } finally {
      this.busy.delete(uuid);
    }
  }

  /**
   * The instance's ports bound to `host` ('' unbinds them) and its network
   * info cache refreshed (Nova's setup_instance_network_on_host /
   * migrate_instance_finish): the instance as updated, or as it was without
   * a network service or ports.
   */
  async bindPorts(ctx: RequestContext, instance: InstanceDTO, host: string): Promise<InstanceDTO> {
    if (!this.network || !instance.network_info.length) return instance;
    const networkInfo = await bindToHost(this.network, ctx, instance, host);
    return this.update(ctx, instance.uuid, { network_info: networkInfo });
  }

  /** A guarded update through nova-conductor. */
  update(ctx: RequestContext, uuid: string, updates: InstanceUpdate, expected?: readonly (string | null)[]): Promise<InstanceDTO> {
    return this.conductor.instance_update(ctx, { uuid, updates, ...(expected ? { expected_task_state: [...expected] } : {}) });
  }

  /**
   * A catch handler for a follow-up step (cleanup, bookkeeping) whose failure
   * must not hide the outcome being handled: it logs what could not be done,
   * for which instance and why, and lets the caller go on.
   */
  logFailure(uuid: string, what: string): (e: unknown) => void {
    return (e) => this.log.warn({ instance: uuid, err: errorText(e) }, `could not ${what}`);
  }

  /** Run `fn` as instance action event `name` (recorded started, then Success or Error). */
  async event<T>(ctx: RequestContext, instance: InstanceDTO, name: string, fn: () => Promise<T>): Promise<T> {
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

  /** Record a fault for the instance (never hiding the failure being handled). */
  async fault(ctx: RequestContext, instance: InstanceDTO, e: unknown, what: string): Promise<void> {
    const code = e instanceof NovaError ? e.status : 500;
    await this.conductor
      .instance_fault_create(ctx, { uuid: instance.uuid, code, message: errorText(e), details: e instanceof Error ? (e.stack ?? '') : '', host: this.host })
      .catch(this.logFailure(instance.uuid, `record the fault of the failed ${what}`));
  }

  /** Was the failure that the instance changed or went away meanwhile (not something to record)? */
  static changedMeanwhile(e: unknown): boolean {
    return e instanceof UnexpectedTaskStateError || e instanceof InstanceNotFound;
  }

  /**
   * Run a driver action: on success apply `outcome` (guarded by the task
   * state the API set); on failure record a fault and clear the task state.
   */
  act(ctx: RequestContext, instance: InstanceDTO, event: string, expected: string, run: () => Promise<void>, outcome: Outcome): Promise<void> {
    return this.working(instance.uuid, async () => {
      try {
        await this.event(ctx, instance, event, run);
        await this.update(ctx, instance.uuid, { ...outcome, task_state: null }, [expected]);
        this.log.info({ instance: instance.uuid, event }, 'instance action done');
      } catch (e) {
        if (ComputeOps.changedMeanwhile(e)) {
          this.log.info({ instance: instance.uuid, event, err: errorText(e) }, 'instance changed while the action ran');
          return;
        }
        this.log.error({ instance: instance.uuid, event, err: errorText(e) }, 'instance action failed');
        await this.fault(ctx, instance, e, event);
        await this.update(ctx, instance.uuid, { task_state: null }).catch(this.logFailure(instance.uuid, `clear the task state after the failed ${event}`));
      }
    });
  }
}
