/**
 * What the QEMU driver's moves and images (migrate-cold.ts,
 * migrate-live.ts, live-incoming.ts, snapshot.ts, rescue.ts) use of the
 * driver: its configuration, its image cache, its guests and how it starts
 * one. The driver is the only implementation.
 */
import type { NovaConfig } from '../../conf/loader.ts';
import type { Logger } from '../../log.ts';
import type { InstanceDTO } from '../../objects/instance.ts';
import type { Guest } from './guest.ts';
import type { DiskFormat } from './images.ts';

export interface QemuContext {
  readonly conf: NovaConfig;
  readonly log: Logger;
  /** This host's name (`[DEFAULT] host`). */
  readonly host: string;
  readonly instancesPath: string;
  /** The guest of `instance` the driver knows (InstanceNotFound when it has no files here). */
  guest(instance: InstanceDTO): Guest;
  /** A handle on the instance's files and QEMU here, known to the driver or not. */
  handle(instance: InstanceDTO): Guest;
  /** The driver takes `g` as the instance's guest (counted in its resources) … */
  register(instance: InstanceDTO, g: Guest): void;
  /** … or drops it. */
  forget(uuid: string): void;
  /** Start QEMU for the guest (in rescue when its rescue record is there); `incoming` as in LaunchSpec. */
  launch(instance: InstanceDTO, g: Guest, incoming?: boolean | 'live'): Promise<void>;
  /** The cached base image of `imageId`, fetched when missing. */
  ensureBase(imageId: string): Promise<{ path: string; format: DiskFormat }>;
  /** The image's properties from the image source ({} when it cannot say). */
  imageProperties(imageId: string): Promise<Record<string, string>>;
  /** Build the instance's config drive into `file` when it needs one; true when built. */
  buildConfigDrive(instance: InstanceDTO, file: string, adminPassword: string | null, imageProperties: Record<string, string>): Promise<boolean>;
}
