/** Quota set bodies as Nova's quota_sets.py renders them, by microversion. */

import { QUOTA_RESOURCES, type QuotaResource, type QuotaValues } from '../../../compute-api/quota.ts';
import { atLeast, type Microversion } from '../../microversion.ts';

const FILTERED_2_36: readonly QuotaResource[] = ['fixed_ips', 'floating_ips', 'security_group_rules', 'security_groups'];
const FILTERED_2_57: readonly QuotaResource[] = [...FILTERED_2_36, 'injected_files', 'injected_file_content_bytes', 'injected_file_path_bytes'];

/** The resources hidden at this microversion: nova-network ones from 2.36, injected files from 2.57. */
export function filteredQuotas(version: Microversion): readonly QuotaResource[] {
  if (atLeast(version, '2.57')) return FILTERED_2_57;
  if (atLeast(version, '2.36')) return FILTERED_2_36;
  return [];
}

/** The resources shown at this microversion, in Nova's (sorted) order. */
export function shownQuotas(version: Microversion): QuotaResource[] {
  const hidden = filteredQuotas(version);
  return [...QUOTA_RESOURCES].sort().filter((r) => !hidden.includes(r));
}

/** {"quota_set": {"id": project, <resource>: limit…}}; no id after an update. */
export function quotaSet(projectId: string | null, limits: QuotaValues, version: Microversion): { quota_set: Record<string, unknown> } {
  const body: Record<string, unknown> = projectId ? { id: projectId } : {};
  for (const r of shownQuotas(version)) body[r] = limits[r];
  return { quota_set: body };
}

/** GET …/detail: {"quota_set": {"id": project, <resource>: {"in_use", "limit", "reserved": 0}…}}. */
export function quotaSetDetail(projectId: string, limits: QuotaValues, used: QuotaValues, version: Microversion): { quota_set: Record<string, unknown> } {
  const body: Record<string, unknown> = { id: projectId };
  for (const r of shownQuotas(version)) body[r] = { in_use: used[r], limit: limits[r], reserved: 0 };
  return { quota_set: body };
}
