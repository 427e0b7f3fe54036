import type { RequestSpec } from '../../objects/request-spec.ts';
import type { HostState } from '../host-state.ts';
import type { HostFilter } from './filter.ts';
import { hintUuids } from './hints.ts';

/**
 * SameHostFilter: schedules the instance on the same host as another
 * instance in a set of instances (scheduler hint `same_host`). Without the
 * hint every host passes.
 */
export class SameHostFilter implements HostFilter {
  readonly name = 'SameHostFilter';
  readonly runOnRebuild = false;

  hostPasses(host: HostState, spec: RequestSpec): boolean {
    const uuids = hintUuids(spec, 'same_host');
    if (uuids.length === 0) return true;
    return uuids.some((uuid) => host.instanceUuids.has(uuid));
  }

  prepare(spec: RequestSpec): ((host: HostState) => boolean) | null {
    const uuids = hintUuids(spec, 'same_host');
    return uuids.length === 0 ? null : (host) => uuids.some((uuid) => host.instanceUuids.has(uuid));
  }
}
