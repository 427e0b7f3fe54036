import type { DbApi } from '../db/api/index.ts';
import { InvalidAggregateAction } from '../exception/aggregate.ts';
import { ComputeHostNotFound } from '../exception/resources.ts';
import { type AggregateDTO, AZ_METADATA_KEY, aggregateZone } from '../objects/aggregate.ts';

/** Which InvalidAggregateAction variant a refused zone change raises. */
type AzAction = 'add' | 'update' | 'update_meta';

/** Python's repr of a list of strings, as Nova formats conflicting zones: ['az1', 'az2']. */
const pyList = (xs: readonly string[]) => `[${xs.map((x) => `'${x}'`).join(', ')}]`;

/**
 * Host aggregates as nova-api manages them (nova.compute.api.AggregateAPI):
 * every rule about hosts and availability zones lives here; the REST module
 * only parses and renders. Errors are Nova's: AggregateNotFound,
 * AggregateNameExists, AggregateHostExists, AggregateHostNotFound,
 * ComputeHostNotFound and InvalidAggregateAction.
 */
export class AggregateApi {
  constructor(private readonly db: DbApi) {}

  /** AggregateList.get_all. */
  list(): Promise<AggregateDTO[]> {
    return this.db.aggregates.list();
  }

  /** Aggregate.get_by_id. */
  get(id: number): Promise<AggregateDTO> {
    return this.db.aggregates.get(id);
  }

  /** create_aggregate: a zone given becomes the `availability_zone` metadata. */
  create(name: string, availabilityZone: string | null): Promise<AggregateDTO> {
    return this.db.aggregates.create(name, availabilityZone ? { [AZ_METADATA_KEY]: availabilityZone } : {});
  }

  /** update_aggregate: rename, then the zone (as metadata) if given. */
  async update(id: number, values: { name?: string; availability_zone?: string | null }): Promise<AggregateDTO> {
    let agg = await this.db.aggregates.get(id);
    if (values.name !== undefined) agg = await this.db.aggregates.rename(id, values.name);
    if (values.availability_zone === undefined) return agg;
    const metadata = { [AZ_METADATA_KEY]: values.availability_zone };
    await this.checkZoneChange(metadata, agg, agg.hosts, 'update', true);
    return this.db.aggregates.updateMetadata(id, metadata);
  }

  /** update_aggregate_metadata: null values remove keys; a zone change is checked first. */
  async updateMetadata(id: number, metadata: Readonly<Record<string, string | null>>): Promise<AggregateDTO> {
    const agg = await this.db.aggregates.get(id);
    await this.checkZoneChange(metadata, agg, agg.hosts, 'update_meta', true);
    return this.db.aggregates.updateMetadata(id, metadata);
  }

  /** delete_aggregate: refused while the aggregate has hosts. */
  async delete(id: number): Promise<void> {
    const agg = await this.db.aggregates.get(id);
    if (agg.hosts.length > 0) throw InvalidAggregateAction.of('delete', id, 'Host aggregate is not empty');
    await this.db.aggregates.destroy(id);
  }

  /** add_host_to_aggregate: the host must be a compute host, and may not end up in two zones. */
  async addHost(id: number, host: string): Promise<AggregateDTO> {
    await this.requireComputeHost(host);
    const agg = await this.db.aggregates.get(id);
    await this.checkZoneChange(agg.metadata, agg, [host], 'add', false);
    return this.db.aggregates.addHost(id, host);
  }

  /** remove_host_from_aggregate. */
  async removeHost(id: number, host: string): Promise<AggregateDTO> {
    await this.requireComputeHost(host);
    await this.db.aggregates.get(id);
    return this.db.aggregates.removeHost(id, host);
  }

  /** Service.get_by_compute_host, with Nova's exact-name check (case-insensitive databases). */
  private async requireComputeHost(host: string): Promise<void> {
    const svc = await this.db.services.findByHostAndBinary(host, 'nova-compute');
    if (!svc || svc.host !== host) throw ComputeHostNotFound.of(host);
  }

  /**
   * is_safe_to_update_az: an empty zone name is refused; so is a zone that
   * would put one of `hosts` in two zones; with `checkInstances`, a zone
   * rename is refused while the hosts run instances.
   */
  private async checkZoneChange(
    metadata: Readonly<Record<string, string | null>>,
    agg: AggregateDTO,
    hosts: readonly string[],
    action: AzAction,
    checkInstances: boolean,
  ): Promise<void> {
    if (!Object.hasOwn(metadata, AZ_METADATA_KEY)) return;
    const zone = metadata[AZ_METADATA_KEY];
    if (!zone) throw InvalidAggregateAction.of(action, agg.id, `Aggregate ${agg.name} does not support empty named availability zone`);
    const targets = hosts.length > 0 ? hosts : agg.hosts;
    const conflicting = (await this.db.aggregates.list())
      .filter((a) => a.id !== agg.id && a.hosts.some((h) => targets.includes(h)))
      .map(aggregateZone)
      .filter((z): z is string => z !== null && z !== zone);
    if (conflicting.length > 0) throw InvalidAggregateAction.of(action, agg.id, `One or more hosts already in availability zone(s) ${pyList(conflicting)}`);
    if (checkInstances && aggregateZone(agg) !== zone) {
      for (const h of targets) {
        if ((await this.db.instances.listByHost(h)).length > 0) throw InvalidAggregateAction.of(action, agg.id, 'One or more hosts contain instances in this zone');
      }
    }
  }
}
