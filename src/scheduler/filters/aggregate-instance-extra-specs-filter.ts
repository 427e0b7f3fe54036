import type { RequestSpec } from '../../objects/request-spec.ts';
import type { HostState } from '../host-state.ts';
import { matchExtraSpec } from './extra-specs-ops.ts';
import type { HostFilter } from './filter.ts';

/** The extra specs scope this filter reads. */
export const AGGREGATE_SPEC_SCOPE = 'aggregate_instance_extra_specs';

/**
 * utils.aggregate_metadata_get_by_host: every metadata key of the host's
 * aggregates with the set of its values (comma-separated values split and
 * trimmed).
 */
export function aggregateMetadataOf(host: HostState): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const agg of host.aggregates ?? []) {
    for (const [key, value] of Object.entries(agg.metadata)) {
      const set = out.get(key) ?? new Set<string>();
      for (const v of value.split(',')) set.add(v.trim());
      out.set(key, set);
    }
  }
  return out;
}

/**
 * AggregateInstanceExtraSpecsFilter: a flavor's extra specs scoped
 * `aggregate_instance_extra_specs:<key>` (and, as in Nova, unscoped ones)
 * must be matched by the metadata `<key>` of one of the host's aggregates,
 * with the operators of extra_specs_ops (`s==`, `<in>`, `<or>`, `>=`…).
 * Specs of other scopes (`hw:`, `quota:`…) are ignored.
 */
export class AggregateInstanceExtraSpecsFilter implements HostFilter {
  readonly name = 'AggregateInstanceExtraSpecsFilter';
  readonly runOnRebuild = false;

  hostPasses(host: HostState, spec: RequestSpec): boolean {
    const specs = spec.flavor.extra_specs ?? {};
    if (Object.keys(specs).length === 0) return true;
    const metadata = aggregateMetadataOf(host);
    for (const [fullKey, req] of Object.entries(specs)) {
      const colon = fullKey.indexOf(':');
      if (colon >= 0 && fullKey.slice(0, colon) !== AGGREGATE_SPEC_SCOPE) continue;
      const key = colon >= 0 ? fullKey.slice(colon + 1) : fullKey;
      const values = metadata.get(key);
      if (!values || values.size === 0) return false;
      if (![...values].some((v) => matchExtraSpec(v, String(req)))) return false;
    }
    return true;
  }
}
