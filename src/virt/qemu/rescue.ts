/**
 * Rescue, as Nova's libvirt driver: the guest is stopped, a new overlay of
 * the rescue image (`disk.rescue`) boots as the first disk with the
 * instance's own disk as the second (the guest's vdb), and a config drive
 * of its own (`disk.config.rescue`, with the rescue password) when the
 * instance has one. `rescue.json` records the rescue, so every start of
 * QEMU (a restart, adoption) keeps that layout until unrescue removes the
 * rescue files and boots the instance's own disk again.
 */
import fs from 'node:fs';
import { InstanceNotRescuable } from '../../exception/lifecycle.ts';
import type { InstanceDTO } from '../../objects/instance.ts';
import type { ImageMeta } from '../../objects/request-spec.ts';
import type { QemuContext } from './context.ts';
import type { Guest } from './guest.ts';
import { createOverlay } from './images.ts';
import type { InstancePaths } from './paths.ts';
import { bootsFromVolume } from './volumes.ts';

/** The rescue layout of the guest's disks, when it is in rescue. */
export function rescueLayout(p: InstancePaths): { disk: string; configDrive: string | null } | undefined {
  if (!fs.existsSync(p.rescueMarker) || !fs.existsSync(p.rescueDisk)) return undefined;
  return { disk: p.rescueDisk, configDrive: fs.existsSync(p.rescueConfigDrive) ? p.rescueConfigDrive : null };
}

function dropRescueFiles(p: InstancePaths): void {
  for (const f of [p.rescueMarker, p.rescueDisk, p.rescueConfigDrive]) fs.rmSync(f, { force: true });
}

export async function rescue(ctx: QemuContext, instance: InstanceDTO, g: Guest, image: ImageMeta, adminPassword: string | null): Promise<void> {
  // Nova's libvirt driver rescues a volume-backed instance only with stable device rescue (2.87), which this driver has not.
  if (bootsFromVolume(g)) throw InstanceNotRescuable.of(instance.uuid, 'it boots from a volume');
  const imageId = image.id || instance.image_ref;
  const base = await ctx.ensureBase(imageId);
  await g.stop();
  fs.rmSync(g.paths.state, { force: true });
  dropRescueFiles(g.paths);
  await createOverlay(ctx.conf.qemu.qemu_img, base, g.paths.rescueDisk, 0);
  await ctx.buildConfigDrive(instance, g.paths.rescueConfigDrive, adminPassword, image.properties);
  fs.writeFileSync(g.paths.rescueMarker, JSON.stringify({ image_id: imageId, rescued_at: new Date().toISOString() }));
  await ctx.launch(instance, g);
  ctx.log.info({ instance: instance.uuid, image: imageId }, 'instance rescued');
}

export async function unrescue(ctx: QemuContext, instance: InstanceDTO, g: Guest): Promise<void> {
  await g.stop();
  dropRescueFiles(g.paths);
  await ctx.launch(instance, g);
  ctx.log.info({ instance: instance.uuid }, 'instance unrescued');
}
