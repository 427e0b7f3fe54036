/**
 * Keystone's default policy, as far as this subset needs it: the admin role
 * (in any project: Keystone's "role:admin") may do everything; otherwise a
 * user may read itself, its own projects and their domain, and validate or
 * revoke its own tokens.
 */
import { forbiddenAction } from './errors.ts';
import type { TokenData } from './token-provider.ts';
import { callerOf, type IdentityRequest } from './types.ts';

/** Does the token carry the admin role? */
export function isAdmin(t: TokenData): boolean {
  return t.roles.some((r) => r.name === 'admin');
}

/**
 * Enforce `identity:<action>`: pass for admins, or when `allowed` says the
 * caller may (the self/owner rules); otherwise 403. Returns the caller.
 */
export function enforce(req: IdentityRequest, action: string, allowed?: (caller: TokenData) => boolean): TokenData {
  const caller = callerOf(req);
  if (isAdmin(caller) || allowed?.(caller)) return caller;
  throw forbiddenAction(`identity:${action}`);
}
