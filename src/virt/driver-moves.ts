/**
 * The parts of the driver contract that move a guest or make an image of it
 * (Nova's migrate_disk_and_power_off / finish_migration / confirm_migration /
 * finish_revert_migration, the live-migration steps, snapshot, rescue,
 * set_admin_password, inject_nmi). Types only, like driver.ts. Where the
 * driver's capability for an operation is false it throws
 * DriverNotSupported.
 */
import type { Readable } from 'node:stream';
import type { InstanceDTO } from '../objects/instance.ts';
import type { ImageMeta } from '../objects/request-spec.ts';
import type { BlockDeviceInfo } from './driver.ts';

/** Where a move goes: the destination host, and the address its hypervisor is reached at ([DEFAULT] my_ip of that host). */
export interface MoveTarget {
  readonly host: string;
  readonly address: string;
}

/** What the source of a cold move hands its destination so the destination's driver can set the guest up (driver-specific). */
export type DiskInfo = Readonly<Record<string, string | number | boolean | null>>;

/** What the two ends of a live migration tell each other (driver-specific: ports, addresses, disk exports). */
export type LiveMigrateData = Readonly<Record<string, string | number | boolean | null>>;

/** How far a live migration is, in bytes (shown by GET /servers/{id}/migrations). */
export interface LiveMigrationProgress {
  readonly memory_total: number;
  readonly memory_processed: number;
  readonly memory_remaining: number;
  readonly disk_total: number;
  readonly disk_processed: number;
  readonly disk_remaining: number;
}

/** Where a snapshot's data goes (nova-compute uploads it to the image service). */
export interface ImageSink {
  /** Store the image's data (`disk_format` as the image record says); resolves once stored and verified. */
  upload(data: Readable, diskFormat: 'qcow2' | 'raw'): Promise<void>;
}

export interface MoveOperations {
  /** Cold move, on the source: power the guest off (clean shutdown within `timeoutSec`) and make its disk available to `target`. */
  migrateDiskAndPowerOff(instance: InstanceDTO, target: MoveTarget, timeoutSec: number): Promise<DiskInfo>;
  /**
   * Cold move, on the destination: set the guest up from `disk` with the instance's (new) flavor, and boot it when `powerOn`.
   * `blockDeviceInfo`: the instance's volumes with this host's connection info (a root volume replaces the image disk).
   */
  finishMigration(instance: InstanceDTO, disk: DiskInfo, image: ImageMeta, powerOn: boolean, blockDeviceInfo?: BlockDeviceInfo): Promise<void>;
  /** The cold move was confirmed: the source drops what it kept of the guest. */
  confirmMigration(instance: InstanceDTO): Promise<void>;
  /** The cold move was reverted: the source brings its guest back (its old flavor), booted when `powerOn`, with `blockDeviceInfo`'s volumes (this host's connection info). */
  finishRevertMigration(instance: InstanceDTO, powerOn: boolean, blockDeviceInfo?: BlockDeviceInfo): Promise<void>;

  /**
   * Live move, on the destination: prepare to receive the guest; answers what the source needs to send it.
   * `blockDeviceInfo`: the instance's volumes with the destination's connection info (network disks: not copied, reconnected here).
   */
  preLiveMigration(instance: InstanceDTO, blockMigration: boolean, blockDeviceInfo?: BlockDeviceInfo): Promise<LiveMigrateData>;
  /** Live move, on the source: move the running guest to `target`; resolves once it runs there (the source guest is gone). */
  liveMigration(instance: InstanceDTO, target: MoveTarget, data: LiveMigrateData, onProgress: (p: LiveMigrationProgress) => void): Promise<void>;
  /** Live move finished: the destination takes the guest as its own. */
  postLiveMigrationAtDestination(instance: InstanceDTO): Promise<void>;
  /** Live move failed or was aborted: the destination drops what it prepared. */
  rollbackLiveMigrationAtDestination(instance: InstanceDTO): Promise<void>;
  /** Finish a running live migration now (pause the guest so the copy converges). */
  liveMigrationForceComplete(instance: InstanceDTO): Promise<void>;
  /** Abort a running live migration; liveMigration then rejects and the guest stays on the source. */
  liveMigrationAbort(instance: InstanceDTO): Promise<void>;
}

export interface ImageOperations {
  /** Write a consistent image of the guest's root disk to `sink` (the guest keeps its state). */
  snapshot(instance: InstanceDTO, sink: ImageSink): Promise<void>;
  /** Boot the rescue image with the guest's disk attached as its second disk. */
  rescue(instance: InstanceDTO, image: ImageMeta, adminPassword: string | null): Promise<void>;
  /** Back from rescue to the guest's own disk. */
  unrescue(instance: InstanceDTO): Promise<void>;
  /** Change the guest's admin password (needs an agent in the guest). */
  setAdminPassword(instance: InstanceDTO, password: string): Promise<void>;
  /** Inject an NMI (trigger_crash_dump). */
  injectNmi(instance: InstanceDTO): Promise<void>;
}
