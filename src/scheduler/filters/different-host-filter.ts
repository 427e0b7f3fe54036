import type { RequestSpec } from '../../objects/request-spec.ts';
import type { HostState } from '../host-state.ts';
import type { HostFilter } from './filter.ts';
import { hintUuids } from './hints.ts';

/**
 * DifferentHostFilter: schedules the instance on a different host from a
 * set of instances (scheduler hint `different_host`). Without the hint
 * every host passes.
 */
export class DifferentHostFilter implements HostFilter {
  readonly name = 'DifferentHostFilter';
  readonly runOnRebuild = false;

  hostPasses(host: HostState, spec: RequestSpec): boolean {
    const uuids = hintUuids(spec, 'different_host');
    return !uuids.some((uuid) => host.instanceUuids.has(uuid));
  }

  prepare(spec: RequestSpec): ((host: HostState) => boolean) | null {
    const uuids = hintUuids(spec, 'different_host');
    return uuids.length === 0 ? null : (host) => !uuids.some((uuid) => host.instanceUuids.has(uuid));
  }
}
