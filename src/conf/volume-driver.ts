import { boolOpt, defineGroup, optionalStrOpt, portOpt, strOpt } from './opt.ts';

/**
 * `[volume]`: the file volume driver of the volume service (volume_driver =
 * file): volumes as raw or qcow2 files on the volume host, exported to the
 * compute hosts over NBD by one qemu-storage-daemon.
 */
export const volumeGroup = defineGroup('volume', 'The file volume driver: volumes as files on this host, exported over NBD by qemu-storage-daemon.', {
  volumes_dir: strOpt({
    default: '$state_path/volumes',
    help: "Directory of the volume files (volume-<id>.qcow2 or .raw), their snapshots (snapshot-<id>.*), the exports' state and the qemu-storage-daemon's pid file, QMP socket and TLS keys (under .qsd/).",
  }),
  volume_format: strOpt({
    default: 'qcow2',
    choices: ['qcow2', 'raw'],
    help: 'Format of new volume and snapshot files. qcow2 keeps a volume thin on any file system, also through copies; raw is the plain bytes (sparse where the file system allows). Existing files keep the format they were made with. Snapshots and volumes made from snapshots or volumes are full copies either way.',
  }),
  export_address: strOpt({
    default: '0.0.0.0',
    help: "Address the qemu-storage-daemon's NBD server listens on for the compute hosts.",
  }),
  export_port: portOpt({ default: 10809, help: 'TCP port of the NBD server (IANA 10809).' }),
  export_host: optionalStrOpt({
    help: 'Address the compute hosts are told to connect to (the connection_info host). Unset: export_address, or [DEFAULT] my_ip when export_address is a wildcard.',
  }),
  export_tls: boolOpt({
    default: true,
    help: "Exports need TLS with a pre-shared key made for each attachment (given to the compute host in the connection_info's psk_user/psk and dropped when the attachment is unexported). Off: plain NBD, anyone reaching the port reaches every export.",
  }),
  qemu_img: strOpt({ default: 'qemu-img', help: 'The qemu-img tool (creates, converts, resizes and copies volume files).' }),
  qemu_storage_daemon: strOpt({ default: 'qemu-storage-daemon', help: 'The qemu-storage-daemon binary that serves the exports (Debian qemu-system-common).' }),
});
