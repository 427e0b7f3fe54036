import type { ComputeAPI } from '../compute/rpc-types.ts';
import type { NovaConfig } from '../conf/loader.ts';
import type { RequestContext } from '../context.ts';
import type { DbApi } from '../db/api/index.ts';
import { DBConnectionError, DBDeadlock } from '../db/outage.ts';
import { InstanceNotFound } from '../exception/instance.ts';
import { ClaimFailed, NoValidHost } from '../exception/resources.ts';
import type { Logger } from '../log.ts';
import type { ResourceRequest } from '../objects/compute-node.ts';
import type { InstanceDTO } from '../objects/instance.ts';
import type { RequestSpec } from '../objects/request-spec.ts';
import { TaskState, VmState } from '../objects/states.ts';
import { methodsOf } from '../rpc/server.ts';
import type { Manager } from '../service/manager.ts';
import { dbTime } from '../util/time.ts';
import type { HostFilter } from './filters/filter.ts';
import { describeRejections, loadFilters, runFilters } from './filters/registry.ts';
import { HostStateCache } from './host-cache.ts';
import { consume } from './host-manager.ts';
import type { HostState } from './host-state.ts';
import { type Destination, SCHEDULER_METHODS, SCHEDULER_RPC_VERSION, type SchedulerAPI, type SchedulerArgs } from './rpc-types.ts';
import { recordPlacement, refreshGroupMembers, syncGroupHosts } from './server-group.ts';
import { loadWeighers, weighHosts } from './weights/registry.ts';
import type { HostWeigher } from './weights/weigher.ts';

export interface SchedulerDeps {
  conf: NovaConfig;
  db: DbApi;
  compute: ComputeAPI;
  log: Logger;
  random?: () => number;
}

const round = (ms: number): number => Math.round(ms * 100) / 100;

/** What one instance of a flavor claims on a node. */
export function resourceRequest(spec: RequestSpec): ResourceRequest {
  const f = spec.flavor;
  return { vcpus: f.vcpus, memory_mb: f.memory_mb, disk_gb: f.root_gb + f.ephemeral_gb + Math.ceil(f.swap / 1024) };
}

/**
 * nova-scheduler: for each instance of a request, run the filters, weigh
 * the hosts that pass, and claim the best one atomically in the database
 * (a lost race moves on to the next host). Decisions within one process are
 * serialized so each sees the previous claims; several scheduler processes
 * are kept honest by the claim itself.
 */
export class SchedulerManager implements Manager, SchedulerAPI {
  readonly endpoints;
  private readonly filters: HostFilter[];
  private readonly weighers: HostWeigher[];
  private readonly pending: { spec: RequestSpec; resolve: (d: Destination[]) => void; reject: (e: unknown) => void }[] = [];
  private draining = false;
  /** The host states kept between batches, brought up to date from what changed in the database. */
  readonly hostCache: HostStateCache;

  constructor(private readonly deps: SchedulerDeps) {
    this.hostCache = new HostStateCache(deps.db, deps.conf);
    const fs = deps.conf.filter_scheduler;
    this.filters = loadFilters(fs.enabled_filters);
    this.weighers = loadWeighers(fs.weight_classes, {
      ram: fs.ram_weight_multiplier,
      cpu: fs.cpu_weight_multiplier,
      disk: fs.disk_weight_multiplier,
      softAffinity: fs.soft_affinity_weight_multiplier,
      softAntiAffinity: fs.soft_anti_affinity_weight_multiplier,
    });
    this.endpoints = [{ version: SCHEDULER_RPC_VERSION, methods: methodsOf<SchedulerAPI>(this, SCHEDULER_METHODS) }];
  }

  /**
   * Queue a request for placement. Requests are placed one after another;
   * those waiting together share one read of the host states, each seeing
   * the claims of the ones before it.
   */
  private enqueue(spec: RequestSpec): Promise<Destination[]> {
    return new Promise((resolve, reject) => {
      this.pending.push({ spec, resolve, reject });
      if (!this.draining) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.pending.length) {
        const batch = this.pending.splice(0, 100);
        const t0 = performance.now();
        let hosts: BatchHosts;
        const withInstances = batch.some((b) => b.spec.scheduler_hints?.same_host || b.spec.scheduler_hints?.different_host || b.spec.instance_group);
        try {
          hosts = new BatchHosts(await this.hostCache.refresh({ withInstances }), withInstances);
          await refreshGroupMembers(
            this.deps.db,
            batch.map((b) => b.spec),
          );
        } catch (e) {
          for (const b of batch) b.reject(e);
          continue;
        }
        const t1 = performance.now();
        for (const b of batch) {
          try {
            b.resolve(await this.place(b.spec, hosts));
          } catch (e) {
            b.reject(e);
          }
        }
        // The decision time of a batch: bringing the host states up to date, then filters, weighers and the claim per request.
        const loadMs = t1 - t0;
        const placeMs = performance.now() - t1;
        const { nodesRead } = this.hostCache.last;
        this.deps.log.info(
          { requests: batch.length, hosts: hosts.size, nodes_read: nodesRead, load_ms: round(loadMs), place_ms: round(placeMs / batch.length) },
          'scheduling batch decided',
        );
      }
    } finally {
      this.draining = false;
    }
  }

  select_destinations(_ctx: RequestContext, args: SchedulerArgs<'select_destinations'>): Promise<Destination[]> {
    return this.enqueue(args.request_spec);
  }

  async build_instances(ctx: RequestContext, args: SchedulerArgs<'build_instances'>): Promise<void> {
    const spec = args.request_spec;
    const { db, log } = this.deps;
    await Promise.all(spec.instance_uuids.map((u) => db.history.startEvent(u, ctx.request_id, 'schedule_instances', null)));
    let dests: Destination[];
    try {
      dests = await this.enqueueThroughOutages(spec);
    } catch (e) {
      if (e instanceof DBConnectionError || e instanceof DBDeadlock) {
        // Still no database: not a reason to fail the build. It stays in scheduling and nova-conductor sends it again ([conductor] build_request_timeout).
        log.warn({ instances: spec.instance_uuids, err: (e as Error).message }, 'could not schedule while the database is unavailable; leaving the build request to be sent again');
        return;
      }
      const reason = e instanceof NoValidHost ? e.message : `Scheduling failed: ${(e as Error).message}`;
      log.warn({ instances: spec.instance_uuids, reason }, 'no valid host');
      await Promise.all(spec.instance_uuids.map((u) => this.failInstance(ctx, u, reason)));
      return;
    }
    await Promise.all(
      spec.instance_uuids.map(async (uuid, i) => {
        const dest = dests[i] as Destination;
        let instance: InstanceDTO;
        try {
          instance = await db.instances.update(
            uuid,
            { host: dest.host, node: dest.nodename, availability_zone: dest.availability_zone, scheduled_at: dbTime() },
            // No other scheduler placed it meanwhile (a build request sent twice): the first placement wins.
            { expectedTaskState: [TaskState.SCHEDULING], expectedHost: null },
          );
        } catch (e) {
          // Deleted: release everything. Placed by another request: release this claim, unless both chose this node (they share it).
          const current = await db.instances.get(uuid).catch((err: unknown) => {
            if (err instanceof InstanceNotFound) return null;
            throw err;
          });
          log.info({ instance: uuid, err: String(e), placed_on: current?.host ?? null }, 'instance went away or was placed elsewhere while scheduling');
          if (!current) await db.computeNodes.release(uuid);
          else if (current.host !== dest.host) await db.computeNodes.release(uuid, dest.node_id);
          this.hostCache.touch(dest.node_id);
          return;
        }
        await db.history.finishEvent(uuid, ctx.request_id, 'schedule_instances', 'Success', null);
        log.info({ instance: uuid, host: dest.host, attempt: spec.retry.num_attempts }, 'scheduled');
        const single: RequestSpec = { ...spec, instance_uuids: [uuid], num_instances: 1 };
        await this.deps.compute.build_and_run_instance(ctx, { instance, request_spec: single, node: dest.nodename, admin_password: args.admin_password });
      }),
    );
  }

  /**
   * Place a request, trying again while the database is unreachable or a
   * transaction conflicts (a fail-over, a restart: seconds), so a transient
   * outage does not put a server in ERROR. Placement releases its claims when
   * it fails, so a new attempt starts clean.
   */
  private async enqueueThroughOutages(spec: RequestSpec): Promise<Destination[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.enqueue(spec);
      } catch (e) {
        if (!(e instanceof DBConnectionError || e instanceof DBDeadlock) || attempt >= 6) throw e;
        this.deps.log.info({ instances: spec.instance_uuids, attempt, err: e.message }, 'database unavailable while scheduling; trying again');
        await new Promise((r) => setTimeout(r, attempt * 1000));
      }
    }
  }

  private async failInstance(ctx: RequestContext, uuid: string, reason: string): Promise<void> {
    const { db, log } = this.deps;
    try {
      await db.history.addFault({ instance_uuid: uuid, code: 500, message: reason, details: reason, host: null });
      await db.instances.update(uuid, { vm_state: VmState.ERROR, task_state: null }, { expectedTaskState: [TaskState.SCHEDULING] });
      await db.history.finishEvent(uuid, ctx.request_id, 'schedule_instances', 'Error', reason);
    } catch (e) {
      log.info({ instance: uuid, err: String(e) }, 'could not mark the instance as failed (deleted meanwhile?)');
    }
  }

  private candidates(weighed: { host: HostState }[]): HostState[] {
    const n = Math.min(this.deps.conf.filter_scheduler.host_subset_size, weighed.length);
    const order = weighed.map((w) => w.host);
    if (n > 1) {
      const pick = Math.floor((this.deps.random ?? Math.random)() * n);
      const [chosen] = order.splice(pick, 1);
      if (chosen) order.unshift(chosen);
    }
    return order;
  }

  /**
   * Choose and claim a node for every instance of the request, or none
   * (NoValidHost); the batch's host states see each claim. A claim the
   * database refuses (another scheduler took the room, the host reported
   * less) reads that host again: tried once more if it still passes the
   * filters, else the next host.
   */
  private async place(spec: RequestSpec, hosts: BatchHosts): Promise<Destination[]> {
    const { db } = this.deps;
    const ignore = new Set(spec.ignore_hosts);
    const eligible = (h: HostState) =>
      !ignore.has(h.host) && (spec.force_hosts.length === 0 || spec.force_hosts.includes(h.host)) && (spec.force_nodes.length === 0 || spec.force_nodes.includes(h.nodename));
    const req = resourceRequest(spec);
    const placed: Destination[] = [];
    try {
      for (const uuid of spec.instance_uuids) {
        syncGroupHosts(spec, hosts.list());
        const { passed, rejections } = runFilters(this.filters, hosts.list().filter(eligible), spec);
        if (passed.length === 0) throw NoValidHost.of(describeRejections(rejections));
        const claimed = await this.claimOne(spec, uuid, req, this.candidates(weighHosts(this.weighers, passed, spec)), hosts);
        if (!claimed) throw NoValidHost.of('Every candidate host was claimed by concurrent requests.');
        hosts.set(consume(claimed, uuid, req));
        this.hostCache.update(hosts.get(claimed.nodeId) as HostState);
        recordPlacement(spec, uuid, claimed.host);
        placed.push({ host: claimed.host, nodename: claimed.nodename, node_id: claimed.nodeId, availability_zone: claimed.availabilityZone });
      }
    } catch (e) {
      for (const uuid of spec.instance_uuids.slice(0, placed.length)) await db.computeNodes.release(uuid);
      throw e;
    }
    return placed;
  }

  /** Claim on the first candidate the database accepts; returns its state before the claim, or null. */
  private async claimOne(spec: RequestSpec, uuid: string, req: ResourceRequest, candidates: readonly HostState[], hosts: BatchHosts): Promise<HostState | null> {
    const retried = new Set<number>();
    for (let k = 0; k < candidates.length; k++) {
      const h = hosts.get((candidates[k] as HostState).nodeId);
      if (!h) continue;
      try {
        await this.deps.db.computeNodes.claim(h.nodeId, uuid, req);
        this.hostCache.touch(h.nodeId);
        return h;
      } catch (e) {
        if (!(e instanceof ClaimFailed)) throw e;
        const fresh = await this.hostCache.refreshNode(h.nodeId, { withInstances: hosts.withInstances });
        if (!fresh) {
          hosts.drop(h.nodeId);
          continue;
        }
        hosts.set(fresh);
        this.deps.log.info({ node_id: h.nodeId, host: h.host, retry: !retried.has(h.nodeId) }, 'claim refused: host state refreshed');
        if (!retried.has(h.nodeId) && runFilters(this.filters, [fresh], spec).passed.length === 1) {
          retried.add(h.nodeId);
          k--;
        }
      }
    }
    return null;
  }
}

/** The host states one batch decides on, each replaced as the batch claims on it. */
class BatchHosts {
  private readonly byId: Map<number, HostState>;
  private cached: HostState[] | null = null;

  constructor(
    states: readonly HostState[],
    readonly withInstances: boolean,
  ) {
    this.byId = new Map(states.map((h) => [h.nodeId, h]));
  }

  get size(): number {
    return this.byId.size;
  }

  list(): HostState[] {
    this.cached ??= [...this.byId.values()];
    return this.cached;
  }

  get(nodeId: number): HostState | undefined {
    return this.byId.get(nodeId);
  }

  set(state: HostState): void {
    if (!this.byId.has(state.nodeId)) return;
    this.byId.set(state.nodeId, state);
    this.cached = null;
  }

  drop(nodeId: number): void {
    this.byId.delete(nodeId);
    this.cached = null;
  }
}
