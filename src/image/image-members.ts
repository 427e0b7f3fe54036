/**
 * /v2/images/{id}/members: share a `shared` image with other projects
 * (glance.api.v2.image_members, legacy policy). The owner adds and removes
 * members; a member accepts or rejects; a member sees only its own
 * membership, the owner and admins see all.
 */
import type { RequestContext } from '../context.ts';
import { oneOf } from '../util/one-of.ts';
import { badRequest, conflict, forbidden, notFound, tooLarge } from './errors.ts';
import { type ImageApiDeps, type ImageRequestOf, type ImageResponse, json, noContent, requireJson } from './http.ts';
import { findVisible } from './policy.ts';
import { type ImageDTO, MEMBER_STATUSES, type MemberDTO } from './types.ts';
import { memberView } from './views/image.ts';

/** Glance's image_member_quota default. */
const MEMBER_QUOTA = 128;

const isOwner = (ctx: RequestContext, image: ImageDTO) => ctx.is_admin || (ctx.project_id !== null && ctx.project_id === image.owner);
/** Which memberships the caller may see (glance.db.sqlalchemy.api._image_member_find). */
const canSeeMember = (ctx: RequestContext, image: ImageDTO, m: MemberDTO) => isOwner(ctx, image) || m.member === ctx.project_id;

/** The image (404 "Image X not found.") and 403/404 unless it is shared. */
async function sharedImage(deps: ImageApiDeps, req: ImageRequestOf<'id'>, onNotShared: (msg: string) => Error): Promise<ImageDTO> {
  const id = req.params.id;
  const image = await findVisible(deps, req.ctx, id);
  if (!image) throw notFound(`Image ${id} not found.`);
  if (image.visibility !== 'shared') throw onNotShared('Only shared images have members.');
  return image;
}

async function lookupMember(deps: ImageApiDeps, ctx: RequestContext, image: ImageDTO, memberId: string): Promise<MemberDTO> {
  const m = await deps.members.get(image.id, memberId);
  if (!m || !canSeeMember(ctx, image, m)) throw notFound(`${memberId} not found in the member list of the image ${image.id}.`);
  return m;
}

/** GET /v2/images/{id}/members */
export function index(deps: ImageApiDeps) {
  return async (req: ImageRequestOf<'id'>): Promise<ImageResponse> => {
    const image = await sharedImage(deps, req, (msg) => forbidden(`Not allowed to list members for image ${req.params.id}: ${msg}`));
    const all = await deps.members.list(image.id);
    return json({ members: all.filter((m) => canSeeMember(req.ctx, image, m)).map(memberView), schema: '/v2/schemas/members' });
  };
}

/** GET /v2/images/{id}/members/{member} */
export function show(deps: ImageApiDeps) {
  return async (req: ImageRequestOf<'id' | 'member'>): Promise<ImageResponse> => {
    const image = await sharedImage(deps, req, (msg) => notFound(msg));
    return json(memberView(await lookupMember(deps, req.ctx, image, req.params.member)));
  };
}

/** POST /v2/images/{id}/members `{"member": "<project>"}` (owner only). */
export function create(deps: ImageApiDeps) {
  return async (req: ImageRequestOf<'id'>): Promise<ImageResponse> => {
    const body = await requireJson(req.stream);
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw badRequest('Expected a member in the form: {"member": "image_id"}');
    if (!('member' in body)) throw badRequest('Member to be added not specified');
    const memberId = body.member;
    if (!memberId) throw badRequest("Member can't be empty");
    if (typeof memberId !== 'string' || memberId.length > 255) throw badRequest('Expected a member in the form: {"member": "image_id"}');
    const id = req.params.id;
    const denied = () => forbidden(`Not allowed to create members for image ${id}.`);
    const image = await sharedImage(deps, req, denied);
    if (!isOwner(req.ctx, image)) throw denied();
    const count = await deps.members.count(image.id);
    if (count >= MEMBER_QUOTA) {
      throw tooLarge(
        `Image member limit exceeded for image ${id}: The limit has been exceeded on the number of allowed image members for this image. Attempted: ${count + 1}, Maximum: ${MEMBER_QUOTA}:`,
      );
    }
    const m = await deps.members.add(image.id, memberId);
    if (!m) throw conflict(`Member ${memberId} is duplicated for image ${id}`);
    return json(memberView(m));
  };
}

/** PUT /v2/images/{id}/members/{member} `{"status": "accepted"}` (the member only). */
export function update(deps: ImageApiDeps) {
  return async (req: ImageRequestOf<'id' | 'member'>): Promise<ImageResponse> => {
    const body = await requireJson(req.stream);
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw badRequest('Expected a status in the form: {"status": "status"}');
    if (!('status' in body)) throw badRequest('Status not specified');
    const status = body.status;
    const id = req.params.id;
    const denied = () => forbidden(`Not allowed to update members for image ${id}.`);
    const image = await sharedImage(deps, req, denied);
    if (!req.ctx.is_admin && req.ctx.project_id === image.owner) throw denied();
    const m = await lookupMember(deps, req.ctx, image, req.params.member);
    if (!oneOf(MEMBER_STATUSES, status)) throw badRequest('Incorrect request: Status must be "pending", "accepted" or "rejected".');
    const saved = await deps.members.setStatus(image.id, m.member, status);
    if (!saved) throw notFound(`${m.member} not found in the member list of the image ${image.id}.`);
    return json(memberView(saved));
  };
}

/** DELETE /v2/images/{id}/members/{member} (owner only). */
export function remove(deps: ImageApiDeps) {
  return async (req: ImageRequestOf<'id' | 'member'>): Promise<ImageResponse> => {
    const id = req.params.id;
    const denied = () => forbidden(`Not allowed to delete members for image ${id}.`);
    const image = await sharedImage(deps, req, denied);
    if (!isOwner(req.ctx, image)) throw denied();
    const m = await lookupMember(deps, req.ctx, image, req.params.member);
    await deps.members.remove(image.id, m.member);
    return noContent();
  };
}
