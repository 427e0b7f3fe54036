/** /v2/schemas/*: the JSON schemas python-glanceclient and openstacksdk read (glance.api.v2.schemas). */
import { type ImageRequest, type ImageResponse, json } from './http.ts';
import { imageSchema, imagesSchema } from './schemas/image.ts';
import { memberSchema, membersSchema } from './schemas/member.ts';

/** GET /v2/schemas/image */
export const image = async (_req: ImageRequest): Promise<ImageResponse> => json(imageSchema());
/** GET /v2/schemas/images */
export const images = async (_req: ImageRequest): Promise<ImageResponse> => json(imagesSchema());
/** GET /v2/schemas/member */
export const member = async (_req: ImageRequest): Promise<ImageResponse> => json(memberSchema());
/** GET /v2/schemas/members */
export const members = async (_req: ImageRequest): Promise<ImageResponse> => json(membersSchema());
