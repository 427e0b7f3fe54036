/**
 * What the qemu driver can do (Nova's libvirt driver capabilities, as far
 * as QEMU without libvirt gets).
 */
import type { NovaConfig } from '../../conf/loader.ts';
import type { DriverCapabilities } from '../driver.ts';

/** The capabilities from the configuration; SPICE is checked against the binary at initHost. */
export function qemuCapabilities(conf: NovaConfig): DriverCapabilities {
  return {
    has_imagecache: true,
    supports_pause: true,
    supports_suspend: true,
    supports_vnc_console: conf.vnc.enabled,
    supports_serial_console: true,
    // Until initHost has asked the binary whether it was built with SPICE.
    supports_spice_console: conf.qemu.spice_enabled,
    guests_survive_restart: true,
    supports_migrate: true,
    supports_migrate_to_same_host: true,
    supports_live_migration: true,
    supports_evacuate: true,
    supports_snapshot: true,
    supports_rescue: true,
    // Nova's libvirt driver sets passwords through the QEMU guest agent; these guests have none.
    supports_set_admin_password: false,
    supports_trigger_crash_dump: true,
    supports_attach_interface: true, // NIC hot-plug through QMP (hotplug.ts)
    supports_tagged_attach_interface: false, // no device tags: the metadata's devices list (Nova's device_metadata) is not built here
    supports_attach_volume: true, // NBD volumes hot-plugged through QMP (volumes.ts)
    supports_tagged_attach_volume: false, // no device metadata, as for interfaces
    supports_multiattach: false,
  };
}
