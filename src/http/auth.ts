/**
 * Who is calling a REST service: the Authenticator contract, and noauth2
 * (trusted `user:project` tokens, for tests and development). The Keystone
 * implementation is a client of the identity service (clients/keystone).
 */
import type { RequestContext } from '../context.ts';
import { HttpError } from './errors.ts';

/** 401: no token, or one the identity service does not accept. */
export class Unauthorized extends HttpError {
  constructor(message = 'The request you have made requires authentication.', headers: Record<string, string> = {}) {
    super(401, message, headers);
  }
}

/** Turns a request's headers into the caller's context, or throws Unauthorized. */
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
 * the admin role; one starting with "reader" only the reader role (a
 * read-only caller). For tests and development only.
 */
export class NoAuth2 implements Authenticator {
  async authenticate(headers: Readonly<Record<string, string | string[] | undefined>>, requestId: string): Promise<RequestContext> {
    const token = header(headers, 'x-auth-token');
    if (!token) throw new Unauthorized();
    const [user, projectFromToken] = token.split(':', 2);
    const userId = user ?? token;
    const project = projectFromToken ?? header(headers, 'x-auth-project-id') ?? userId;
    const isAdmin = userId.includes('admin');
    const readerOnly = !isAdmin && userId.startsWith('reader');
    return {
      request_id: requestId,
      global_request_id: header(headers, 'x-openstack-request-id') ?? null,
      user_id: userId,
      project_id: project,
      roles: isAdmin ? ['admin', 'member', 'reader'] : readerOnly ? ['reader'] : ['member', 'reader'],
      is_admin: isAdmin,
    };
  }
}
