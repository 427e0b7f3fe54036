/**
 * The scheduler's host states kept in memory between scheduling batches and
 * brought up to date incrementally (Nova's HostManager keeps them the same
 * way): each batch reads only every live compute node's id and generation
 * (which every inventory report, claim and release bumps), then the full
 * rows of the nodes whose generation moved — or, when only the nodes this
 * scheduler claimed on changed (one row of counts and sums tells), just
 * those rows — and — when a request needs the
 * instances on each host (same_host/different_host, server groups) — the
 * consumers of those nodes only. Services (up, disabled, forced down) are
 * read as the rows written since the last read (every write, heartbeats
 * included, sets updated_at; {@link SERVICE_SINCE_MARGIN_MS} covers the
 * stored times' whole seconds and small clock differences), all of them
 * every {@link SERVICE_FULL_READ_MS}; aggregates are few and read every
 * batch. So disabling a service or changing an aggregate counts for the
 * very next decision. A host state is built again only when its node,
 * service, instances or aggregates changed or its service went up or down.
 *
 * The cache only decides where to try: the claim stays the database's
 * conditional UPDATE, so several schedulers, each with its own cache, never
 * put a host over its limits. A claim that fails tells the cache that host
 * is stale: {@link HostStateCache.refreshNode} reads it again.
 */
import type { NovaConfig } from '../conf/loader.ts';
import type { DbApi } from '../db/api/index.ts';
import type { AggregateDTO } from '../objects/aggregate.ts';
import type { ComputeNodeDTO } from '../objects/compute-node.ts';
import type { ServiceDTO } from '../objects/service.ts';
import { dbTime, parseDbTime } from '../util/time.ts';
import { type HostAggregates, hostAggregates, hostStateOf, parseCpuInfo } from './host-manager.ts';
import type { HostState } from './host-state.ts';

interface CachedNode {
  readonly dto: ComputeNodeDTO;
  /** cpu_info parsed once per change of the row, not once per batch. */
  readonly cpuInfo: Record<string, unknown>;
}

interface CachedConsumers {
  /** The node's generation when its consumers were read. */
  readonly generation: number;
  readonly uuids: ReadonlySet<string>;
}

/** What the last refresh read (tests and the "scheduling batch decided" log line). */
export interface RefreshStats {
  /** Full compute node rows read. */
  nodesRead: number;
  /** Nodes whose consumers were read again. */
  consumersRead: number;
  /** Nodes dropped (deleted since). */
  nodesDropped: number;
  /** Service rows read. */
  servicesRead: number;
  /** Host states built again. */
  statesBuilt: number;
}

/** How far before the last read's start the next read of changed services goes back. */
export const SERVICE_SINCE_MARGIN_MS = 2000;
/** Every how often all services are read again (a clock far behind, a row written without updated_at). */
export const SERVICE_FULL_READ_MS = 60_000;

/** What a host state was built from: the same objects (and up) mean the same state. */
interface BuiltFrom {
  readonly node: CachedNode;
  /** The service's fields a host state holds, but its heartbeat (up stands for that). */
  readonly service: string;
  readonly consumers: CachedConsumers | undefined;
  readonly aggs: HostAggregates;
  readonly up: boolean;
  readonly state: HostState;
}

/** A service as the cache holds it: the row, with what each batch compares worked out once per row read. */
interface CachedService {
  readonly dto: ServiceDTO;
  /** The fields a host state holds, but the heartbeat (up stands for that). */
  readonly key: string;
  /** The last heartbeat (ms), NaN when none; forced down: never up. */
  readonly lastSeenMs: number;
}

function cachedService(dto: ServiceDTO): CachedService {
  const t = dto.last_seen_up ?? dto.updated_at ?? dto.created_at;
  return { dto, key: JSON.stringify([dto.id, dto.disabled, dto.disabled_reason, dto.forced_down]), lastSeenMs: dto.forced_down || !t ? Number.NaN : parseDbTime(t).getTime() };
}

const aggregatesKey = (aggs: readonly AggregateDTO[]): string => JSON.stringify(aggs.map((a) => [a.id, a.name, a.hosts, a.metadata]));

export class HostStateCache {
  private readonly nodes = new Map<number, CachedNode>();
  private readonly consumers = new Map<number, CachedConsumers>();
  private readonly services = new Map<string, CachedService>();
  /** The cached node ids in order; null when a node came or went. */
  private order: number[] | null = null;
  /** When the services were last read (ms), and all of them. */
  private servicesReadAt = 0;
  private servicesFullAt = 0;
  private readonly built = new Map<number, BuiltFrom>();
  /** Nodes this scheduler changed since the last refresh. */
  private readonly touched = new Set<number>();
  private aggs: HostAggregates = { zones: new Map(), byHost: new Map() };
  private aggsKey = '';
  /** The host states of the last refresh, as this scheduler changed them since (its own claims). */
  private readonly states = new Map<number, HostState>();
  last: RefreshStats = { nodesRead: 0, consumersRead: 0, nodesDropped: 0, servicesRead: 0, statesBuilt: 0 };

  constructor(
    private readonly db: DbApi,
    private readonly conf: NovaConfig,
  ) {}

  /**
   * The current host states, ordered by node id. Reads what changed since
   * the last refresh; `withInstances` also keeps each host's instance uuids
   * current (otherwise they may be stale or empty).
   */
  async refresh(opts: { withInstances: boolean }): Promise<HostState[]> {
    const stats: RefreshStats = { nodesRead: 0, consumersRead: 0, nodesDropped: 0, servicesRead: 0, statesBuilt: 0 };
    const [quick, servicesRead, aggregates] = await Promise.all([this.onlyTouchedChanged(), this.readServices(), this.db.aggregates.list()]);
    stats.servicesRead = servicesRead;
    if (quick) stats.nodesRead = quick;
    else await this.readChangedNodes(stats);
    const key = aggregatesKey(aggregates);
    if (key !== this.aggsKey) {
      this.aggs = hostAggregates(aggregates);
      this.aggsKey = key;
    }
    if (opts.withInstances) stats.consumersRead = await this.readConsumers();
    this.last = stats;
    const now = new Date();
    this.states.clear();
    this.order ??= [...this.nodes.keys()].sort((a, b) => a - b);
    for (const id of this.order) this.states.set(id, this.build(id, now, stats));
    return [...this.states.values()];
  }

  /**
   * A claim on this node failed: another scheduler (or a report from the
   * host) changed it. Read the node — and its consumers when they are kept —
   * again; returns its fresh state, or null when the node is gone.
   */
  async refreshNode(nodeId: number, opts: { withInstances: boolean }): Promise<HostState | null> {
    const [dto] = await this.db.computeNodes.listByIds([nodeId]);
    if (!dto) {
      this.forget(nodeId);
      return null;
    }
    this.remember(dto);
    if (opts.withInstances) {
      const uuids = new Set((await this.db.computeNodes.consumersOn([nodeId])).map((c) => c.consumer_uuid));
      this.consumers.set(nodeId, { generation: dto.generation, uuids });
    }
    const state = this.build(nodeId, new Date());
    this.states.set(nodeId, state);
    return state;
  }

  /**
   * This scheduler changed the node in the database (a claim, a release): the
   * next refresh reads it and, when no other node changed meanwhile, only it.
   */
  touch(nodeId: number): void {
    this.touched.add(nodeId);
  }

  /**
   * The common case: only nodes this scheduler changed did. Reads those
   * rows, then the nodes' signature; when the signature is what the cache
   * holds (same ids, and generations that only grow sum to the same), no
   * other node changed. Returns the rows read, or null when the full
   * comparison of generations is needed.
   */
  private async onlyTouchedChanged(): Promise<number | null> {
    if (this.nodes.size === 0) return null;
    const touched = [...this.touched];
    this.touched.clear();
    // The touched rows first, the signature after: a change to any node after these reads shows in the signature.
    if (touched.length) for (const dto of await this.db.computeNodes.listByIds(touched)) this.remember(dto);
    const sig = await this.db.computeNodes.signature();
    let idSum = 0;
    let generationSum = 0;
    for (const [id, n] of this.nodes) {
      idSum += id;
      generationSum += n.dto.generation;
    }
    if (sig.count !== this.nodes.size || sig.idSum !== idSum || sig.generationSum !== generationSum) return null;
    return touched.length;
  }

  /** Compare every live node's generation with the cache's, read the rows that moved, drop the nodes gone. */
  private async readChangedNodes(stats: RefreshStats): Promise<void> {
    const gens = await this.db.computeNodes.generations();
    const live = new Set<number>();
    const changed: number[] = [];
    for (const g of gens) {
      live.add(g.id);
      if (this.nodes.get(g.id)?.dto.generation !== g.generation) changed.push(g.id);
    }
    for (const id of [...this.nodes.keys()]) {
      if (live.has(id)) continue;
      this.forget(id);
      stats.nodesDropped++;
    }
    if (changed.length) {
      for (const dto of await this.db.computeNodes.listByIds(changed)) this.remember(dto);
      stats.nodesRead = changed.length;
    }
  }

  /** This scheduler claimed on the node: the state it will use until the next refresh. */
  update(state: HostState): void {
    if (this.states.has(state.nodeId)) this.states.set(state.nodeId, state);
  }

  /** The state of a node as of the last refresh and this scheduler's claims since. */
  get(nodeId: number): HostState | undefined {
    return this.states.get(nodeId);
  }

  private remember(dto: ComputeNodeDTO): void {
    const prev = this.nodes.get(dto.id);
    const cpuInfo = prev && prev.dto.cpu_info === dto.cpu_info ? prev.cpuInfo : parseCpuInfo(dto.cpu_info);
    if (!prev) this.order = null;
    this.nodes.set(dto.id, { dto, cpuInfo });
  }

  /** Bring the services up to date: the rows written since the last read, or all of them now and then. Returns the rows read. */
  private async readServices(): Promise<number> {
    const started = Date.now();
    if (started - this.servicesFullAt >= SERVICE_FULL_READ_MS) {
      const all = await this.db.services.list({ binary: 'nova-compute' });
      this.services.clear();
      for (const s of all) this.services.set(s.host, cachedService(s));
      this.servicesReadAt = this.servicesFullAt = started;
      return all.length;
    }
    const rows = await this.db.services.changedSince('nova-compute', dbTime(new Date(this.servicesReadAt - SERVICE_SINCE_MARGIN_MS)));
    for (const { service, deleted } of rows) {
      if (!deleted) this.services.set(service.host, cachedService(service));
      else if (this.services.get(service.host)?.dto.id === service.id) this.services.delete(service.host);
    }
    this.servicesReadAt = started;
    return rows.length;
  }

  private forget(id: number): void {
    this.built.delete(id);
    if (this.nodes.delete(id)) this.order = null;
    this.consumers.delete(id);
    this.states.delete(id);
  }

  /** Read the consumers of the nodes that changed since theirs were read (all of them in one query the first time). */
  private async readConsumers(): Promise<number> {
    const stale = [...this.nodes.values()].filter((n) => this.consumers.get(n.dto.id)?.generation !== n.dto.generation).map((n) => n.dto.id);
    if (stale.length === 0) return 0;
    const rows = await this.db.computeNodes.consumersOn(stale.length === this.nodes.size ? undefined : stale);
    const byNode = new Map<number, Set<string>>(stale.map((id) => [id, new Set()]));
    for (const r of rows) byNode.get(r.compute_node_id)?.add(r.consumer_uuid);
    for (const [id, uuids] of byNode) {
      const node = this.nodes.get(id);
      if (node) this.consumers.set(id, { generation: node.dto.generation, uuids });
    }
    return stale.length;
  }

  /** The host state of a node: the one built before when nothing it was built from changed. */
  private build(id: number, now: Date, stats?: RefreshStats): HostState {
    const node = this.nodes.get(id) as CachedNode;
    const consumers = this.consumers.get(id);
    const service = this.services.get(node.dto.host);
    // serviceIsUp (servicegroup.ts), without parsing the heartbeat's time again.
    const up = service ? Math.abs(now.getTime() - service.lastSeenMs) / 1000 <= this.conf.DEFAULT.service_down_time : false;
    const serviceKey = service?.key ?? '';
    const prev = this.built.get(id);
    if (prev && prev.node === node && prev.service === serviceKey && prev.consumers === consumers && prev.aggs === this.aggs && prev.up === up) return prev.state;
    const state = hostStateOf(node.dto, service?.dto, this.conf, consumers?.uuids ?? new Set(), now, this.aggs, node.cpuInfo);
    this.built.set(id, { node, service: serviceKey, consumers, aggs: this.aggs, up, state });
    if (stats) stats.statesBuilt++;
    return state;
  }
}
