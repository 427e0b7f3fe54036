/**
 * Rebuilding a server (nova.compute.api.API.rebuild): the same instance, on
 * the same host, from an image (a new one or its own), with its name,
 * metadata, key pair, user data and addresses changed as asked. nova-api
 * checks and records; the instance's nova-compute rebuilds the guest.
 */
import type { RequestContext } from '../context.ts';
import { Forbidden, Invalid } from '../exception/base.ts';
import { KeypairNotFound } from '../exception/resources.ts';
import type { InstanceDTO, InstanceUpdate } from '../objects/instance.ts';
import { TaskState, VmState } from '../objects/states.ts';
import type { ComputeApiDeps } from './api.ts';
import { imageFor } from './create.ts';
import { autoDiskConfigFor } from './disk-config.ts';
import { begin, checkLock, checkState } from './guards.ts';

/** What a rebuild may change; `undefined` leaves a field as it is (`null` clears key_name and user_data). */
export interface RebuildParams {
  imageRef: string;
  adminPass: string;
  name?: string;
  description?: string | null;
  metadata?: Record<string, string>;
  preserveEphemeral: boolean;
  autoDiskConfig?: boolean | null;
  accessIpV4?: string;
  accessIpV6?: string;
  keyName?: string | null;
  userData?: string | null;
  hostname?: string;
}

/** Rebuild `inst`; answers the instance as recorded (REBUILDING). */
export async function rebuildServer(deps: ComputeApiDeps, ctx: RequestContext, inst: InstanceDTO, p: RebuildParams): Promise<InstanceDTO> {
  checkLock(ctx, inst);
  checkState(inst, 'rebuild', [VmState.ACTIVE, VmState.STOPPED, VmState.ERROR], [null]);
  const changes: InstanceUpdate = { image_ref: p.imageRef, progress: 0 };
  if (p.keyName !== undefined) {
    if (p.keyName === null) {
      changes.key_name = null;
      changes.key_data = null;
    } else {
      const kp = await deps.db.keypairs.get(ctx.user_id ?? '', p.keyName).catch((e: unknown) => {
        if (e instanceof KeypairNotFound) throw new Invalid('Invalid key_name provided.');
        throw e;
      });
      changes.key_name = kp.name;
      changes.key_data = kp.public_key;
    }
  }
  const image = await imageFor(deps, ctx, p.imageRef, inst.flavor, 'Cannot find image for rebuild');
  changes.auto_disk_config = autoDiskConfigFor(p.autoDiskConfig ?? null, image);
  const maxMeta = deps.conf.quota.metadata_items;
  if (p.metadata && maxMeta >= 0 && Object.keys(p.metadata).length > maxMeta) throw new Forbidden(`Maximum number of metadata items exceeds ${maxMeta}`);
  if (p.name !== undefined) changes.display_name = p.name;
  if (p.description !== undefined) changes.display_description = p.description;
  if (p.metadata !== undefined) changes.metadata = p.metadata;
  if (p.accessIpV4 !== undefined) changes.access_ip_v4 = p.accessIpV4;
  if (p.accessIpV6 !== undefined) changes.access_ip_v6 = p.accessIpV6;
  if (p.userData !== undefined) changes.user_data = p.userData;
  if (p.hostname !== undefined) changes.hostname = p.hostname;
  // The old image's properties give way to the new one's (Nova's _reset_image_metadata).
  const system: Record<string, string> = {};
  for (const [k, v] of Object.entries(inst.system_metadata)) if (!k.startsWith('image_')) system[k] = v;
  for (const [k, v] of Object.entries(image.properties)) system[`image_${k}`] = v;
  system.image_base_image_ref = image.id;
  changes.system_metadata = system;
  const i = await begin(deps.db, ctx, inst, 'rebuild', 'rebuild', TaskState.REBUILDING, [null], changes);
  await deps.compute.rebuild_instance(ctx, {
    host: i.host ?? '',
    instance: i,
    image,
    admin_password: p.adminPass,
    preserve_ephemeral: p.preserveEphemeral,
    migration: null,
    node: i.node,
  });
  return i;
}
