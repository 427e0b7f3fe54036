/** GET /os-console-auth-tokens/{token}: what a console token grants (admin only), as Nova's console_auth_tokens controller. */
import type { ComputeApi } from '../../compute-api/api.ts';
import { HttpError, notFound } from '../errors.ts';
import { atLeast } from '../microversion.ts';
import { authorize } from '../policy.ts';
import { type ApiRequestOf, type ApiResponse, ok, type Route, route } from '../types.ts';
import { consoleAuthTokenView } from './views/remote-consoles.ts';

const POLICY = 'os_compute_api:os-console-auth-tokens';

async function show(compute: ComputeApi, req: ApiRequestOf<'token'>): Promise<ApiResponse> {
  authorize(req.ctx, POLICY);
  const token = req.params.token ?? '';
  if (!token) throw new HttpError(400, 'token not provided');
  const consoleauth = compute.consoleAuth;
  if (!consoleauth) throw new HttpError(501, 'Console tokens are not available: nova-api was started without nova-consoleauth.');
  const info = await consoleauth.check_token(req.ctx, { token });
  if (!info) throw notFound('Token not found');
  // Before 2.31 Nova only showed RDP tokens (none exist here).
  if (!atLeast(req.version, '2.31') && String(info.console_type) !== 'rdp-html5') throw new HttpError(401, 'The requested console type details are not accessible');
  return ok(consoleAuthTokenView(info));
}

/** The os-console-auth-tokens resource (it needs nova-consoleauth, reached through the compute API façade). */
export function consoleAuthTokenRoutes(compute: ComputeApi): Route[] {
  return [route({ method: 'GET', path: '/os-console-auth-tokens/:token', handler: (r) => show(compute, r), policy: POLICY })];
}
