import type { RequestSpec } from '../../objects/request-spec.ts';
import type { HostState } from '../host-state.ts';
import { CPUWeigher } from './cpu-weigher.ts';
import { DiskWeigher } from './disk-weigher.ts';
import { RAMWeigher } from './ram-weigher.ts';
import { ServerGroupSoftAffinityWeigher } from './server-group-soft-affinity-weigher.ts';
import { ServerGroupSoftAntiAffinityWeigher } from './server-group-soft-anti-affinity-weigher.ts';
import type { HostWeigher } from './weigher.ts';

/** The `[filter_scheduler] *_weight_multiplier` values. */
export interface WeightMultipliers {
  ram: number;
  cpu: number;
  disk: number;
  /** soft_affinity_weight_multiplier (default 1.0). */
  softAffinity?: number;
  /** soft_anti_affinity_weight_multiplier (default 1.0). */
  softAntiAffinity?: number;
}

/** Every weigher by the class name `[filter_scheduler] weight_classes` uses. */
export const WEIGHER_CLASSES: Record<string, (m: WeightMultipliers) => HostWeigher> = {
  RAMWeigher: (m) => new RAMWeigher(m.ram),
  CPUWeigher: (m) => new CPUWeigher(m.cpu),
  DiskWeigher: (m) => new DiskWeigher(m.disk),
  ServerGroupSoftAffinityWeigher: (m) => new ServerGroupSoftAffinityWeigher(m.softAffinity ?? 1.0),
  ServerGroupSoftAntiAffinityWeigher: (m) => new ServerGroupSoftAntiAffinityWeigher(m.softAntiAffinity ?? 1.0),
};

/**
 * The weighers named in weight_classes, in that order; 'all' stands for
 * every weigher. A weigher named twice is loaded once. Throws on a name
 * that is not a weigher.
 */
export function loadWeighers(names: readonly string[], multipliers: WeightMultipliers): HostWeigher[] {
  const expanded = names.flatMap((name) => (name === 'all' ? Object.keys(WEIGHER_CLASSES) : [name]));
  return [...new Set(expanded)].map((name) => {
    const make = Object.hasOwn(WEIGHER_CLASSES, name) ? WEIGHER_CLASSES[name] : undefined;
    if (!make) {
      throw new Error(`Unknown scheduler weigher '${name}' in [filter_scheduler] weight_classes; known weighers: ${Object.keys(WEIGHER_CLASSES).join(', ')}, all`);
    }
    return make(multipliers);
  });
}

/** Nova's normalize(): scale to [0, 1] by (w - min) / (max - min); all equal gives 0 for all. */
export function normalize(weights: readonly number[]): number[] {
  if (weights.length === 0) return [];
  const min = weights.reduce((a, b) => Math.min(a, b));
  const max = weights.reduce((a, b) => Math.max(a, b));
  if (min === max) return weights.map(() => 0);
  return weights.map((w) => (w - min) / (max - min));
}

/**
 * Ranks hosts best first, as Nova's weight handler does: each weigher's raw
 * weights are normalised across the hosts, multiplied by the weigher's
 * multiplier and summed. Equal totals keep the input order.
 */
export function weighHosts(weighers: readonly HostWeigher[], hosts: readonly HostState[], spec: RequestSpec): { host: HostState; weight: number }[] {
  const weighed = hosts.map((host) => ({ host, weight: 0 }));
  for (const weigher of weighers) {
    if (weigher.appliesTo?.(spec) === false) continue;
    const normalised = normalize(hosts.map((host) => weigher.weigh(host, spec)));
    weighed.forEach((w, i) => {
      w.weight += weigher.multiplier(w.host) * normalised[i]!;
    });
  }
  return weighed.sort((a, b) => b.weight - a.weight);
}
