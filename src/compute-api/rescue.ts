/**
 * rescue and unrescue, nova-api's part (Nova's compute.api.API rescue and
 * unrescue): the checks, the rescue image (the one asked for, checked with
 * the image service as the caller; else the instance's own base image),
 * the task state and the cast to the instance's host.
 */
import { randomBytes } from 'node:crypto';
import type { ComputeAPI } from '../compute/rpc-types.ts';
import type { RequestContext } from '../context.ts';
import type { DbApi } from '../db/api/index.ts';
import { UnsupportedRescueImage } from '../exception/lifecycle.ts';
import { ImageNotFound } from '../exception/resources.ts';
import type { InstanceDTO } from '../objects/instance.ts';
import type { ImageMeta } from '../objects/request-spec.ts';
import { TaskState, VmState } from '../objects/states.ts';
import type { ImageLookup } from './create.ts';
import { begin, checkLock, checkState, requireCapability } from './guards.ts';
import { checkLaunched } from './lifecycle-guards.ts';

export interface RescueApiDeps {
  readonly db: DbApi;
  readonly compute: ComputeAPI;
  /** Without one, a rescue_image_ref is taken as given. */
  readonly images?: ImageLookup;
}

/** The image properties system_metadata keeps of the instance's image. */
function ownImage(inst: InstanceDTO): ImageMeta {
  const properties: Record<string, string> = {};
  for (const [k, v] of Object.entries(inst.system_metadata)) if (k.startsWith('image_') && k !== 'image_base_image_ref') properties[k.slice('image_'.length)] = v;
  return { id: inst.system_metadata.image_base_image_ref || inst.image_ref, properties };
}

/** Nova's utils.generate_password: 12 characters that cannot be mistaken for one another. */
function generatePassword(length = 12): string {
  const chars = 'abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  return Array.from(randomBytes(length), (b) => chars[b % chars.length]).join('');
}

export class ServerRescue {
  constructor(private readonly d: RescueApiDeps) {}

  /** Rescue with `password` (null: a generated one, as Nova's utils.generate_password); answers the password. */
  async rescue(ctx: RequestContext, inst: InstanceDTO, o: { password: string | null; imageRef: string | null }): Promise<string> {
    checkLock(ctx, inst);
    checkState(inst, 'rescue', [VmState.ACTIVE, VmState.STOPPED, VmState.ERROR], [null]);
    checkLaunched(inst, 'rescue');
    const image = o.imageRef ? await this.rescueImage(ctx, o.imageRef) : ownImage(inst);
    await requireCapability(this.d.db, inst, 'supports_rescue');
    const password = o.password ?? generatePassword();
    const i = await begin(this.d.db, ctx, inst, 'rescue', 'rescue', TaskState.RESCUING, [null]);
    await this.d.compute.rescue_instance(ctx, { instance: i, rescue_image: image, admin_password: password, clean_shutdown: true });
    return password;
  }

  /** The rescue image asked for: one the caller can see, and not a volume snapshot (Nova's UnsupportedRescueImage otherwise). */
  private async rescueImage(ctx: RequestContext, ref: string): Promise<ImageMeta> {
    if (!this.d.images) return { id: ref, properties: {} };
    try {
      const info = await this.d.images.show(ctx, ref);
      if (info.properties.img_block_device_mapping) throw UnsupportedRescueImage.of(ref);
      return { id: info.id, properties: info.properties };
    } catch (e) {
      if (e instanceof ImageNotFound) throw UnsupportedRescueImage.of(ref);
      throw e;
    }
  }

  async unrescue(ctx: RequestContext, inst: InstanceDTO): Promise<void> {
    checkLock(ctx, inst);
    checkState(inst, 'unrescue', [VmState.RESCUED], [null]);
    checkLaunched(inst, 'unrescue');
    const i = await begin(this.d.db, ctx, inst, 'unrescue', 'unrescue', TaskState.UNRESCUING, [null]);
    await this.d.compute.unrescue_instance(ctx, { instance: i });
  }
}
