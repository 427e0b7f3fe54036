/**
 * Cinder's default policies (cinder/policies, the secure-RBAC defaults): a
 * project's members read and change its resources, its readers only read
 * them (the app refuses their writes up front), admins everything; a few
 * operations (types, quotas of others, reset-status, services) are admin's.
 */
import type { RequestContext } from '../context.ts';
import { policyDenied } from './errors.ts';

/** Is the resource the caller's project's (or is the caller an admin)? */
export function owns(ctx: RequestContext, doc: Readonly<{ project_id: string }>): boolean {
  return ctx.is_admin || (ctx.project_id !== null && doc.project_id === ctx.project_id);
}

/** 403 unless the caller is an admin. */
export function assertAdmin(ctx: RequestContext, action: string): void {
  if (!ctx.is_admin) throw policyDenied(action);
}

/** May the caller write (member or admin)? */
export function isWriter(ctx: RequestContext): boolean {
  return ctx.is_admin || ctx.roles.includes('member');
}
