import { boolOpt, defineGroup, intOpt, strOpt } from './opt.ts';

/** `[qemu]`: the QEMU compute driver (compute_driver = qemu.QemuDriver). Nova's libvirt options, without libvirt. */
export const qemuGroup = defineGroup('qemu', 'The QEMU compute driver (compute_driver = qemu.QemuDriver): one qemu-system process per instance, controlled over QMP.', {
  virt_type: strOpt({
    default: 'kvm',
    choices: ['kvm', 'qemu'],
    help: 'kvm uses hardware acceleration when /dev/kvm is usable and not provided by kvm_pvm (which makes stock guests crawl); otherwise, and with qemu, guests run under TCG emulation. The choice is logged once at start.',
  }),
  qemu_binary: strOpt({ default: 'qemu-system-x86_64', help: 'The QEMU system emulator to run guests with (a name on PATH or an absolute path).' }),
  qemu_img: strOpt({ default: 'qemu-img', help: 'The qemu-img tool used for the image cache and instance overlays.' }),
  mkisofs_cmd: strOpt({
    default: 'genisoimage',
    help: 'Name or path of the tool used for ISO image creation (config drives with [DEFAULT] config_drive_format = iso9660). If genisoimage is on the system path, you do not need to change the default value. Leading words are passed as its first arguments, so "xorriso -as mkisofs" works too; no shell is involved.',
  }),
  machine_type: strOpt({
    default: 'pc',
    help: 'QEMU machine type (-machine). pc (i440fx: IDE and virtio) suits guests without an AHCI driver; q35 needs AHCI for its cdrom.',
  }),
  shutdown_timeout: intOpt({
    default: 60,
    min: 0,
    help: 'Seconds a soft reboot waits for the guest to shut down after the ACPI power button before it resets the guest.',
  }),
  start_timeout: intOpt({
    default: 60,
    min: 1,
    help: 'Seconds a starting QEMU has to open its QMP socket before it is killed (a bad accelerator never hangs a spawn).',
  }),
  migrate_timeout: intOpt({
    default: 300,
    min: 1,
    help: 'Seconds suspend may take to save the guest state (and resume to load it) before the operation fails.',
  }),
  device_detach_attempts: intOpt({
    default: 8,
    min: 1,
    help: "Times interface detach asks a running guest to release the NIC (QMP device_del) before it fails (Nova's [libvirt] device_detach_attempts).",
  }),
  device_detach_timeout: intOpt({
    default: 20,
    min: 1,
    help: "Seconds each detach attempt waits for QEMU's DEVICE_DELETED event (the guest released the NIC) before asking again (Nova's [libvirt] device_detach_timeout).",
  }),
  volume_reconnect_delay: intOpt({
    default: 30,
    min: 0,
    help: "Seconds a volume's guest I/O waits for its NBD export to come back when the connection drops (the volume host's storage daemon restarted) before it fails; QEMU reconnects meanwhile (its nbd reconnect-delay). 0: I/O fails at once.",
  }),
  tb_size: intOpt({
    default: 0,
    min: 0,
    help: 'TCG translation block cache size in MiB (-accel tcg,tb-size=N). 0 keeps QEMU default; 32 saves about 30 MB per guest at some speed.',
  }),
  local_image_dir: strOpt({
    default: '$state_path/images',
    help: 'Directory images are read from when no image service is configured: image id X is the file X, X.qcow2 or X.raw there.',
  }),
  console_log_lines: intOpt({
    default: 0,
    min: 0,
    help: 'Lines of console.log get_console_output returns when the request gives no length. 0 returns all it reads (see console_log_max_bytes).',
  }),
  console_log_max_bytes: intOpt({
    default: 102400,
    min: 1024,
    help: 'get_console_output reads at most this many bytes from the end of console.log (Nova: MAX_CONSOLE_BYTES); a larger log is trimmed to this size when QEMU starts.',
  }),
  spice_enabled: boolOpt({
    default: true,
    help: 'Give guests a SPICE console when the QEMU binary supports SPICE (checked once with -spice help).',
  }),
  console_listen: strOpt({
    default: 'unix',
    choices: ['unix', 'tcp'],
    help: 'Where guest consoles listen. unix: sockets in the instance directory (the console proxies must run on this host). tcp: VNC on [vnc] server_listen, the serial console on [serial_console] proxyclient_address and SPICE on [spice] server_listen, on ports from console_port_range, so proxies on other hosts can reach them.',
  }),
  qemu_storage_daemon: strOpt({
    default: 'qemu-storage-daemon',
    help: "The QEMU storage daemon that serves a cold-migrating guest's disk files to the destination host over NBD (with TLS-PSK; see live_migration_port_range and live_migration_inbound_addr).",
  }),
  snapshots_directory: strOpt({
    default: '$instances_path/snapshots',
    help: 'Where a snapshot is written (a flattened qcow2 taken with blockdev-backup while the guest runs, or qemu-img convert while it is off) before it is uploaded to the image service; removed after the upload (Nova: [libvirt] snapshots_directory).',
  }),
  live_migration_inbound_addr: strOpt({
    default: '',
    help: "The address other compute hosts reach this one at for moves: live migrations (QEMU's incoming migration stream and the NBD server a block migration writes the disk to) and cold migrations (the NBD export of the disk files) listen on it. Empty: [DEFAULT] my_ip (Nova: [libvirt] live_migration_inbound_addr).",
  }),
  live_migration_port_range: strOpt({
    default: '49152:49215',
    help: "first:last TCP ports moves listen on (libvirt's migration_port_min/max): an incoming live migration takes two (the migration stream and the NBD server for the disk), a cold migration one on its source (the NBD export of the disk files) until it is confirmed or reverted. Hosts must reach each other on these ports at live_migration_inbound_addr.",
  }),
  live_migration_with_native_tls: boolOpt({
    default: true,
    help: "Encrypt and authenticate the live migration stream with TLS (a pre-shared key made for each migration and handed over with the migration's data over the message bus; no certificates). The disk copies (NBD) always use it. Nova's default is false (plain TCP); here the key costs nothing to set up, so it is on.",
  }),
  live_migration_bandwidth: intOpt({
    default: 0,
    min: 0,
    help: 'Maximum bandwidth of a live migration in MiB/s; 0 is unlimited (Nova: [libvirt] live_migration_bandwidth).',
  }),
  live_migration_downtime: intOpt({
    default: 500,
    min: 100,
    help: 'Longest pause, in milliseconds, QEMU may take to copy the last memory pages of a live migration (QMP downtime-limit; Nova: [libvirt] live_migration_downtime).',
  }),
  live_migration_completion_timeout: intOpt({
    default: 800,
    min: 0,
    help: 'Seconds a live migration may take per GiB of guest memory and disk to copy (at least 2 GiB are counted) before live_migration_timeout_action is taken; 0 waits for ever (Nova: [libvirt] live_migration_completion_timeout).',
  }),
  live_migration_timeout_action: strOpt({
    default: 'abort',
    choices: ['abort', 'force_complete'],
    help: 'What happens to a live migration that exceeds live_migration_completion_timeout: abort it (the guest stays on its source) or force it to complete (post-copy when permitted, otherwise a final copy with the guest paused) (Nova: [libvirt] live_migration_timeout_action).',
  }),
  live_migration_permit_post_copy: boolOpt({
    default: false,
    help: 'Let force complete (and the force_complete timeout action) switch a live migration to post-copy: the guest runs on the destination at once and fetches the memory it has not received yet from the source. A network failure during post-copy loses the guest (Nova: [libvirt] live_migration_permit_post_copy).',
  }),
  live_migration_permit_auto_converge: boolOpt({
    default: false,
    help: "Slow the guest's vCPUs down when its memory changes faster than it is copied, so the live migration converges (QEMU auto-converge; not used together with post-copy; Nova: [libvirt] live_migration_permit_auto_converge).",
  }),
  cold_migration_export_timeout: intOpt({
    default: 3600,
    min: 60,
    help: "Seconds the source of a cold migration or resize keeps serving the guest's disk files to the destination before it stops (it stops earlier on confirm or revert).",
  }),
  console_port_range: strOpt({
    default: '5900:7999',
    help: 'first:last TCP ports given to guest consoles with console_listen = tcp (three per instance: VNC, serial, SPICE). VNC ports must be 5900 or above.',
  }),
});
