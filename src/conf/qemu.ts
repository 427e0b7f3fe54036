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
  console_port_range: strOpt({
    default: '5900:7999',
    help: 'first:last TCP ports given to guest consoles with console_listen = tcp (three per instance: VNC, serial, SPICE). VNC ports must be 5900 or above.',
  }),
});
