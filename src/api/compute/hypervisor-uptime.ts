/**
 * The uptime of a hypervisor's host, for GET /os-hypervisors/{id}/uptime
 * (≤2.87) and the `uptime` field of hypervisor details from 2.88: what
 * `uptime` prints on the compute host, asked of its nova-compute
 * (get_host_uptime). Nova shows null in the 2.88 field where the driver
 * cannot tell or the host is down; the `openstack` client parses that field
 * with a regular expression and crashes on null, so the field is a string
 * here ("" when there is nothing to tell). The /uptime route keeps Nova's
 * answers: 501 for a driver without uptime, 400 for a down host.
 */
import { HostMappingNotFound, HostNotFound } from '../../compute-api/host-api.ts';
import type { RequestContext } from '../../context.ts';
import { NotImplementedYet } from '../../exception/base.ts';
import { ComputeServiceUnavailable } from '../../exception/resources.ts';
import { MessagingTimeout } from '../../rpc/errors.ts';
import { badRequest, HttpError, notFound } from '../errors.ts';
import { atLeast, type Microversion } from '../microversion.ts';
import type { ApiDeps } from './deps.ts';

/** The 2.88 `uptime` field: the host's uptime line, or "" when it cannot be had. */
export async function uptimeField(deps: ApiDeps, ctx: RequestContext, host: string): Promise<string> {
  if (!deps.hosts) return '';
  try {
    return await deps.hosts.getHostUptime(ctx, host);
  } catch (e) {
    if (e instanceof NotImplementedYet || e instanceof ComputeServiceUnavailable || e instanceof HostMappingNotFound || e instanceof HostNotFound || e instanceof MessagingTimeout)
      return '';
    throw e;
  }
}

/** Add `uptime` to hypervisor detail bodies from 2.88 (the view leaves it unset). */
export async function withUptime(deps: ApiDeps, ctx: RequestContext, version: Microversion, host: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
  if (atLeast(version, '2.88') && 'hypervisor_type' in body) body.uptime = await uptimeField(deps, ctx, host);
  return body;
}

/** GET /os-hypervisors/{id}/uptime's value: 501 without uptime in the driver, 400 for a down host, 404 for an unmapped one. */
export async function uptimeRoute(deps: ApiDeps, ctx: RequestContext, host: string, id: string): Promise<string> {
  if (!deps.hosts) throw new HttpError(501, 'The requested functionality is not supported.');
  try {
    return await deps.hosts.getHostUptime(ctx, host);
  } catch (e) {
    if (e instanceof NotImplementedYet) throw new HttpError(501, 'The requested functionality is not supported.');
    if (e instanceof ComputeServiceUnavailable || e instanceof HostNotFound) throw badRequest(e.message);
    if (e instanceof HostMappingNotFound) throw notFound(`Hypervisor with ID '${id}' could not be found.`);
    throw e;
  }
}
