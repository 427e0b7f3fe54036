/**
 * The volume driver contract: what the volume service asks of the storage
 * on its volume host (Cinder's VolumeDriver, reduced to what Nova needs).
 * Types only; the file driver (volumes as raw or qcow2 files exported by
 * qemu-storage-daemon over NBD) is one implementation, and the driver
 * conformance suite runs against every implementation.
 *
 * Sizes are in GiB as Cinder's API counts them. Every method is idempotent
 * where Cinder's manager may call it again after a restart (create of a
 * volume that exists with the same size, delete of one that is gone,
 * export of an attachment already exported, unexport of one that is not).
 */

/** Where a volume's bits come from when it is created. */
export type VolumeSource =
  | { readonly kind: 'empty' }
  /** An image's bytes (already downloaded to a local file), in its disk format. */
  | { readonly kind: 'image'; readonly path: string; readonly diskFormat: string }
  | { readonly kind: 'snapshot'; readonly snapshotId: string }
  | { readonly kind: 'volume'; readonly volumeId: string };

/** What a compute host is told to connect to (Cinder's connection_info['data'] for driver_volume_type 'nbd'). */
export interface NbdConnection {
  readonly driver_volume_type: 'nbd';
  readonly data: {
    readonly host: string;
    readonly port: number;
    /** The NBD export name. */
    readonly name: string;
    /** TLS-PSK identity and key (hex) that open the export, when the driver uses TLS. */
    readonly psk_user?: string;
    readonly psk?: string;
    /** Always 'raw': the export serves the disk's contents, not its container. */
    readonly format: 'raw';
    readonly volume_id: string;
    readonly access_mode: 'rw' | 'ro';
  };
}

/** Cinder's connector: who is attaching (os-brick's connector properties). */
export interface Connector {
  readonly host: string;
  readonly ip: string;
  readonly initiator?: string;
  readonly multipath?: boolean;
  readonly platform?: string;
  readonly os_type?: string;
}

export interface BackendStats {
  readonly volume_backend_name: string;
  readonly total_capacity_gb: number;
  readonly free_capacity_gb: number;
}

export interface VolumeDriver {
  /** Start: find what exists (volumes, snapshots, exports of a previous run) and adopt it. */
  init(): Promise<void>;
  createVolume(volumeId: string, sizeGb: number, source: VolumeSource): Promise<void>;
  deleteVolume(volumeId: string): Promise<void>;
  /** Grow a volume to `newSizeGb` (never shrinks). */
  extendVolume(volumeId: string, newSizeGb: number): Promise<void>;
  createSnapshot(volumeId: string, snapshotId: string): Promise<void>;
  deleteSnapshot(volumeId: string, snapshotId: string): Promise<void>;
  /** Export the volume for one attachment and say how to reach it. */
  exportVolume(volumeId: string, attachmentId: string, connector: Connector, mode: 'rw' | 'ro'): Promise<NbdConnection>;
  /** End the export of one attachment (the other attachments' exports stay). */
  unexportVolume(volumeId: string, attachmentId: string): Promise<void>;
  /** Copy the volume's contents as a raw disk to a local file (for an upload to the image service). */
  copyVolumeToFile(volumeId: string, dest: string): Promise<void>;
  /** The size in bytes the volume's disk holds (its virtual size). */
  volumeSize(volumeId: string): Promise<number>;
  stats(): Promise<BackendStats>;
  /** Stop the driver's own processes that must not outlive it (exports stay: attached guests keep their disks). */
  close(): Promise<void>;
}
