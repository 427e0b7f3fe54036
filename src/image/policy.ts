/**
 * Who may see and change an image: Glance's legacy (non secure-RBAC)
 * defaults. Admins see and change everything; others see public and
 * community images, their project's own, and shared images their project
 * is a member of; only the owner (or an admin) changes an image; only an
 * admin makes an image public.
 */
import type { RequestContext } from '../context.ts';
import type { ImageRepository } from './db/images.ts';
import type { MemberRepository } from './db/members.ts';
import { forbidden } from './errors.ts';
import type { ImageDTO } from './types.ts';

/** glance.db.utils.is_image_visible (any membership status counts). */
export async function canSee(ctx: RequestContext, image: ImageDTO, members: MemberRepository): Promise<boolean> {
  if (ctx.is_admin || image.owner === null) return true;
  if (image.visibility === 'public' || image.visibility === 'community') return true;
  if (ctx.project_id === null) return false;
  if (image.owner === ctx.project_id) return true;
  return image.visibility === 'shared' && (await members.get(image.id, ctx.project_id)) !== null;
}

/** Can the caller change this image (glance.api.v2.policy.check_is_image_mutable)? */
export function isMutable(ctx: RequestContext, image: ImageDTO): boolean {
  return ctx.is_admin || (image.owner !== null && ctx.project_id !== null && image.owner === ctx.project_id);
}

/** 403 "You do not own this image" unless the caller may change it. */
export function assertMutable(ctx: RequestContext, image: ImageDTO): void {
  if (!isMutable(ctx, image)) throw forbidden('You do not own this image');
}

/** Only admins may publicize (policy `publicize_image`: role:admin); community, private and shared are anyone's. */
export function assertVisibilityAllowed(ctx: RequestContext, visibility: unknown): void {
  if (visibility === 'public' && !ctx.is_admin) throw forbidden('You are not authorized to complete publicize_image action.');
}

/** The image if it exists and the caller may see it, else null (Glance answers 404 for both). */
export async function findVisible(deps: { images: ImageRepository; members: MemberRepository }, ctx: RequestContext, id: string): Promise<ImageDTO | null> {
  if (id.length > 36) return null;
  const image = await deps.images.get(id);
  return image && (await canSee(ctx, image, deps.members)) ? image : null;
}
