import type { RequestSpec } from '../../objects/request-spec.ts';
import type { HostState } from '../host-state.ts';

/**
 * A host weigher (nova.scheduler.weights.BaseHostWeigher). Raw weights are
 * normalised to [0, 1] across the candidate hosts, multiplied by the
 * weigher's multiplier and summed; the highest total wins.
 */
export interface HostWeigher {
  /** The class name used in `[filter_scheduler] weight_classes`. */
  readonly name: string;
  multiplier(host: HostState): number;
  /** The raw weight of one host (higher means preferred for a positive multiplier). */
  weigh(host: HostState, spec: RequestSpec): number;
  /** Optional: false when it weighs every host the same for this request (it is then not run: normalised, equal weights add 0). */
  appliesTo?(spec: RequestSpec): boolean;
}
