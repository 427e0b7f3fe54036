/** Request schemas of os-quota-class-sets (nova/api/openstack/compute/schemas/quota_classes.py). */
import { type Static, type TProperties, Type } from 'typebox';
import { quotaResources, quotaResourcesNoFiles, quotaResourcesNoNetwork } from './quota-resources.ts';

const resourcesV21 = quotaResources;
const resourcesV250 = quotaResourcesNoNetwork;
const resourcesV257 = quotaResourcesNoFiles;

const updateSchema = <P extends TProperties>(p: P) => Type.Object({ quota_class_set: Type.Object(p, { additionalProperties: false }) }, { additionalProperties: false });

/** PUT /os-quota-class-sets/{id}, 2.1 – 2.49. */
export const update = updateSchema(resourcesV21);
/** 2.50 – 2.56. */
export const updateV250 = updateSchema(resourcesV250);
/** From 2.57. */
export const updateV257 = updateSchema(resourcesV257);

export type UpdateBody = Static<typeof update>;
