/** The /limits body as Nova's views/limits.py renders it, by microversion. */

import type { QuotaResource, QuotaValues } from '../../../compute-api/quota.ts';
import { atLeast, type Microversion } from '../../microversion.ts';

/** Quota resource → absolute limit names. */
const LIMIT_NAMES: [QuotaResource, string[]][] = [
  ['ram', ['maxTotalRAMSize']],
  ['instances', ['maxTotalInstances']],
  ['cores', ['maxTotalCores']],
  ['key_pairs', ['maxTotalKeypairs']],
  ['floating_ips', ['maxTotalFloatingIps']],
  ['metadata_items', ['maxServerMeta', 'maxImageMeta']],
  ['injected_files', ['maxPersonality']],
  ['injected_file_content_bytes', ['maxPersonalitySize']],
  ['security_groups', ['maxSecurityGroups']],
  ['security_group_rules', ['maxSecurityGroupRules']],
  ['server_groups', ['maxServerGroups']],
  ['server_group_members', ['maxServerGroupMembers']],
];

/** Usage names → quota resource. */
const USED_NAMES: [string, QuotaResource][] = [
  ['totalRAMUsed', 'ram'],
  ['totalCoresUsed', 'cores'],
  ['totalInstancesUsed', 'instances'],
  ['totalFloatingIpsUsed', 'floating_ips'],
  ['totalSecurityGroupsUsed', 'security_groups'],
  ['totalServerGroupsUsed', 'server_groups'],
];

/** What each microversion leaves out: network limits from 2.36, maxImageMeta from 2.39, personality from 2.57. */
function filtered(version: Microversion): QuotaResource[] {
  const out: QuotaResource[] = [];
  if (atLeast(version, '2.36')) out.push('floating_ips', 'security_groups', 'security_group_rules');
  if (atLeast(version, '2.57')) out.push('injected_files', 'injected_file_content_bytes');
  return out;
}

/** {"limits": {"rate": [], "absolute": {...}}} */
export function limitsView(limits: QuotaValues, used: QuotaValues, version: Microversion): { limits: { rate: never[]; absolute: Record<string, number> } } {
  const hidden = filtered(version);
  const maxImageMeta = !atLeast(version, '2.39');
  const absolute: Record<string, number> = {};
  for (const [resource, names] of LIMIT_NAMES) {
    if (hidden.includes(resource)) continue;
    for (const n of names) if (n !== 'maxImageMeta' || maxImageMeta) absolute[n] = limits[resource];
  }
  for (const [n, resource] of USED_NAMES) if (!hidden.includes(resource)) absolute[n] = used[resource];
  return { limits: { rate: [], absolute } };
}
