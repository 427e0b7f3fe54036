import type { RequestSpec } from '../../objects/request-spec.ts';
import type { HostState } from '../host-state.ts';

/**
 * A host filter (nova.scheduler.filters.BaseHostFilter): a host must pass
 * every enabled filter to be considered. One filter per file.
 */
export interface HostFilter {
  /** The class name used in `[filter_scheduler] enabled_filters`. */
  readonly name: string;
  /** Whether it also runs when rebuilding on the same host. */
  readonly runOnRebuild: boolean;
  hostPasses(host: HostState, spec: RequestSpec): boolean;
  /**
   * Optional: the check for one request, with what depends on the request
   * alone worked out once — or null when every host passes it (the filter
   * is then not run over the hosts at all). Must agree with hostPasses.
   */
  prepare?(spec: RequestSpec): ((host: HostState) => boolean) | null;
}
