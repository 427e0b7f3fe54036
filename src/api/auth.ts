import type { RequestContext } from '../context.ts';
import { NovaError } from '../exception/base.ts';

export class Unauthorized extends NovaError {
  override readonly status = 401;
}

/** Who is calling. The identity issue adds a Keystone implementation behind this interface. */
export interface Authenticator {
  authenticate(headers: Readonly<Record<string, string | string[] | undefined>>, requestId: string): Promise<RequestContext>;
}

function header(h: Readonly<Record<string, string | string[] | undefined>>, name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * Nova's noauth2: the X-Auth-Token `user:project` (or just `user`, project
 * from X-Auth-Project-Id) is trusted. A user name containing "admin" gets
 * the admin role. For tests and development only.
 */
export class NoAuth2 implements Authenticator {
  async authenticate(headers: Readonly<Record<string, string | string[] | undefined>>, requestId: string): Promise<RequestContext> {
    const token = header(headers, 'x-auth-token');
    if (!token) throw new Unauthorized('The request you have made requires authentication.');
    const [user, projectFromToken] = token.split(':', 2) as [string, string | undefined];
    const project = projectFromToken ?? header(headers, 'x-auth-project-id') ?? user;
    const isAdmin = user.includes('admin');
    return {
      request_id: requestId,
      global_request_id: header(headers, 'x-openstack-request-id') ?? null,
      user_id: user,
      project_id: project,
      roles: isAdmin ? ['admin', 'member', 'reader'] : ['member', 'reader'],
      is_admin: isAdmin,
    };
  }
}
