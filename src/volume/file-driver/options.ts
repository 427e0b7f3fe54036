/** What the file driver is configured with, and how `[volume]` of nova.conf maps onto it. */
import type { NovaConfig } from '../../conf/loader.ts';
import type { Logger } from '../../log.ts';

export type VolumeFileFormat = 'qcow2' | 'raw';

export interface FileDriverOptions {
  /** Directory of the volume and snapshot files, the exports' state and the daemon's files. */
  readonly volumesDir: string;
  /** Format of new files. */
  readonly format: VolumeFileFormat;
  /** The backend's name in the stats. */
  readonly backendName: string;
  /** Where the NBD server listens. */
  readonly exportAddress: string;
  readonly exportPort: number;
  /** The host the connection_info names (default: exportAddress). */
  readonly exportHost?: string;
  /** TLS-PSK per attachment (default true). */
  readonly tls?: boolean;
  readonly qemuImg?: string;
  readonly qemuStorageDaemon?: string;
  /** Milliseconds a qemu-img run may take (default 30 minutes: a large image conversion). */
  readonly toolTimeoutMs?: number;
  /** Where adoption after a restart says what it found (default: silent). */
  readonly log?: Logger;
}

const WILDCARDS = new Set(['0.0.0.0', '::', '']);

/** The file driver's options from `[volume]` and the backend name the service gives. */
export function fileDriverOptions(conf: NovaConfig, backendName: string): FileDriverOptions {
  const v = conf.volume;
  return {
    volumesDir: v.volumes_dir,
    format: v.volume_format === 'raw' ? 'raw' : 'qcow2',
    backendName,
    exportAddress: v.export_address,
    exportPort: v.export_port,
    exportHost: v.export_host ?? (WILDCARDS.has(v.export_address) ? conf.DEFAULT.my_ip : v.export_address),
    tls: v.export_tls,
    qemuImg: v.qemu_img,
    qemuStorageDaemon: v.qemu_storage_daemon,
  };
}
