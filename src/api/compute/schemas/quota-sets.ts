/** Request schemas of os-quota-sets (nova/api/openstack/compute/schemas/quota_sets.py). */
import { type Static, type TProperties, Type } from 'typebox';
import { boolean } from './parameter-types.ts';
import type { QuerySpec } from './query.ts';
import { quotaResources, quotaResourcesNoFiles, quotaResourcesNoNetwork } from './quota-resources.ts';

/** What an update may name before 2.36 (networks is accepted only to be refused with Nova's message), and force. */
const force = { force: Type.Optional(boolean) };
const quotaSetV21 = { ...quotaResources, ...force };
/** 2.36: no network resources. */
const quotaSetV236 = { ...quotaResourcesNoNetwork, ...force };
/** 2.57: no injected files either. */
const quotaSetV257 = { ...quotaResourcesNoFiles, ...force };

const updateSchema = <P extends TProperties>(quotaSet: P) => Type.Object({ quota_set: Type.Object(quotaSet, { additionalProperties: false }) }, { additionalProperties: false });

/** PUT /os-quota-sets/{project_id}, 2.1–2.35. */
export const update = updateSchema(quotaSetV21);
/** 2.36–2.56: no network resources. */
export const updateV236 = updateSchema(quotaSetV236);
/** From 2.57: no injected files either. */
export const updateV257 = updateSchema(quotaSetV257);

/** An update body at any microversion (the later ones name fewer resources). */
export type UpdateBody = Static<typeof update>;

/** ?user_id= on show, detail, update and delete (unknown parameters are a 400 from 2.75). */
export const query: QuerySpec = { user_id: {} };
