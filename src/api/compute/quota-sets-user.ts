/**
 * os-quota-sets with ?user_id= (Nova's quota_sets.py through
 * DbQuotaDriver.get_user_quotas / get_settable_quotas): a user's limits are
 * the user's own over the project's; detail counts the user's own use; PUT
 * sets the user's limits within what the project has left (400 with Nova's
 * texts otherwise, unless force); DELETE drops them. quota-sets.ts hands
 * these requests here.
 */

import { isQuotaResource, type QuotaResource } from '../../compute-api/quota.ts';
import { setUserQuotas, userLimits, userUsage } from '../../compute-api/quota-classes.ts';
import { badRequest } from '../errors.ts';
import type { Microversion } from '../microversion.ts';
import { type ApiResponse, ok } from '../types.ts';
import type { ApiDeps } from './deps.ts';
import { boolFromString } from './schemas/parameter-types.ts';
import { quotaSet, quotaSetDetail } from './views/quota-sets.ts';

export async function userQuotaShow(deps: ApiDeps, projectId: string, userId: string, version: Microversion): Promise<ApiResponse> {
  return ok(quotaSet(projectId, await userLimits(deps, projectId, userId), version));
}

export async function userQuotaDetail(deps: ApiDeps, projectId: string, userId: string, version: Microversion): Promise<ApiResponse> {
  const [limits, used] = await Promise.all([userLimits(deps, projectId, userId), userUsage(deps, projectId, userId)]);
  return ok(quotaSetDetail(projectId, limits, used, version));
}

/** PUT …?user_id=: `requested` is the validated quota_set (force and the resources, networks already refused). */
export async function userQuotaUpdate(deps: ApiDeps, projectId: string, userId: string, requested: Readonly<Record<string, unknown>>, version: Microversion): Promise<ApiResponse> {
  const force = boolFromString(typeof requested.force === 'string' || typeof requested.force === 'boolean' ? requested.force : 'False');
  const values: [QuotaResource, number][] = [];
  for (const [key, raw] of Object.entries(requested)) {
    if (key === 'force' || !isQuotaResource(key)) continue;
    if (raw === null || raw === undefined || raw === '') continue;
    values.push([key, Number(raw)]);
  }
  const refused = await setUserQuotas(deps, projectId, userId, values, force);
  if (refused) throw badRequest(refused);
  return ok(quotaSet(null, await userLimits(deps, projectId, userId), version));
}

export async function userQuotaDelete(deps: ApiDeps, projectId: string, userId: string): Promise<ApiResponse> {
  await deps.db.userQuotas.clear(projectId, userId);
  return { status: 202 };
}
