import type { RequestSpec } from '../../objects/request-spec.ts';
import type { HostState } from '../host-state.ts';
import { AggregateInstanceExtraSpecsFilter } from './aggregate-instance-extra-specs-filter.ts';
import { AvailabilityZoneFilter } from './availability-zone-filter.ts';
import { ComputeFilter } from './compute-filter.ts';
import { CoreFilter } from './core-filter.ts';
import { DifferentHostFilter } from './different-host-filter.ts';
import { DiskFilter } from './disk-filter.ts';
import type { HostFilter } from './filter.ts';
import { ImagePropertiesFilter } from './image-properties-filter.ts';
import { RamFilter } from './ram-filter.ts';
import { SameHostFilter } from './same-host-filter.ts';
import { ServerGroupAffinityFilter } from './server-group-affinity-filter.ts';
import { ServerGroupAntiAffinityFilter } from './server-group-anti-affinity-filter.ts';

/** Every filter by the class name `[filter_scheduler] enabled_filters` uses. */
export const FILTER_CLASSES: Record<string, () => HostFilter> = {
  ComputeFilter: () => new ComputeFilter(),
  AvailabilityZoneFilter: () => new AvailabilityZoneFilter(),
  RamFilter: () => new RamFilter(),
  CoreFilter: () => new CoreFilter(),
  DiskFilter: () => new DiskFilter(),
  ImagePropertiesFilter: () => new ImagePropertiesFilter(),
  SameHostFilter: () => new SameHostFilter(),
  DifferentHostFilter: () => new DifferentHostFilter(),
  AggregateInstanceExtraSpecsFilter: () => new AggregateInstanceExtraSpecsFilter(),
  ServerGroupAffinityFilter: () => new ServerGroupAffinityFilter(),
  ServerGroupAntiAffinityFilter: () => new ServerGroupAntiAffinityFilter(),
};

/** The filters named in enabled_filters, in that order. Throws on a name that is not a filter. */
export function loadFilters(names: readonly string[]): HostFilter[] {
  return names.map((name) => {
    const make = Object.hasOwn(FILTER_CLASSES, name) ? FILTER_CLASSES[name] : undefined;
    if (!make) {
      throw new Error(`Unknown scheduler filter '${name}' in [filter_scheduler] enabled_filters; known filters: ${Object.keys(FILTER_CLASSES).join(', ')}`);
    }
    return make();
  });
}

/** How many of the hosts a filter saw it removed. */
export interface FilterRejection {
  filter: string;
  rejected: number;
  of: number;
}

/**
 * Runs the filters in order, each over the hosts the previous ones kept.
 * As in Nova, stops as soon as no host is left. Records per filter run how
 * many hosts it removed out of how many it saw. A filter that passes every
 * host for this request (prepare gives null) is not run over them.
 */
export function runFilters(filters: readonly HostFilter[], hosts: readonly HostState[], spec: RequestSpec): { passed: HostState[]; rejections: FilterRejection[] } {
  let passed = [...hosts];
  const rejections: FilterRejection[] = [];
  for (const filter of filters) {
    if (passed.length === 0) break;
    const check = filter.prepare ? filter.prepare(spec) : (host: HostState) => filter.hostPasses(host, spec);
    if (check === null) {
      rejections.push({ filter: filter.name, rejected: 0, of: passed.length });
      continue;
    }
    const kept = passed.filter(check);
    rejections.push({ filter: filter.name, rejected: passed.length - kept.length, of: passed.length });
    passed = kept;
  }
  return { passed, rejections };
}

/**
 * The reasons no host was left, for the "No valid host" fault: e.g.
 * "ComputeFilter rejected 1 of 4 hosts; RamFilter rejected 3 of 3 hosts".
 */
export function describeRejections(rejections: readonly FilterRejection[]): string {
  if (rejections.length === 0 || rejections[0]!.of === 0) return 'There are no compute hosts.';
  const parts = rejections.filter((r) => r.rejected > 0).map((r) => `${r.filter} rejected ${r.rejected} of ${r.of} hosts`);
  return parts.length === 0 ? 'No filter rejected a host.' : parts.join('; ');
}
