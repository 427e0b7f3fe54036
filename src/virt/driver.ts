/**
 * The hypervisor driver contract (nova.virt.driver.ComputeDriver). Only
 * types live here; implementations are in virt/fake/ and virt/qemu/ and are
 * chosen by `[DEFAULT] compute_driver` through virt/registry.ts.
 *
 * Method names map to Nova's: initHost = init_host, getAvailableResource =
 * get_available_resource, listInstances = list_instances, getInfo =
 * get_info, powerOff/powerOn = power_off/power_on, getConsoleOutput =
 * get_console_output, getVncConsole/getSerialConsole/getSpiceConsole =
 * get_vnc_console/get_serial_console/get_spice_console, attachInterface/
 * detachInterface = attach_interface/detach_interface, attachVolume/
 * detachVolume = attach_volume/detach_volume.
 *
 * Failure semantics (as Nova's libvirt driver behaves; checked for every
 * driver by test/conformance/driver.case.ts): a method that cannot do its
 * job throws. InstanceNotFound means the hypervisor does not know the
 * instance (every method but destroy, which accepts unknown instances);
 * InstanceNotRunning means the guest has no running hypervisor process for
 * an action that needs one (pause, unpause, suspend, a console);
 * ConsoleTypeUnavailable means the driver has no console of that kind;
 * DriverNotSupported means the driver cannot do the action at all (its
 * capability is false). Asking for the state a guest is already in is not
 * an error: pausing a paused guest, unpausing or resuming a running one,
 * suspending a suspended one, powering on a running one or off a stopped
 * one does nothing. Anything else is a driver error (HypervisorError) that
 * nova-compute records as an instance fault.
 */

import type { BdmConnectionInfo } from '../objects/block-device.ts';
import type { DriverCapabilities } from '../objects/compute-node.ts';
import type { InstanceDTO } from '../objects/instance.ts';
import type { VifInfo } from '../objects/network-info.ts';
import type { ImageMeta } from '../objects/request-spec.ts';
import type { PowerState } from '../objects/states.ts';
import type { HostOperations } from './driver-host.ts';
import type { ImageOperations, MoveOperations } from './driver-moves.ts';

/** What the hypervisor has and uses (nova's get_available_resource dict). */
export interface HostResources {
  hypervisor_hostname: string;
  hypervisor_type: string;
  hypervisor_version: number;
  /** JSON text: arch, model, vendor, topology, features. */
  cpu_info: string;
  vcpus: number;
  memory_mb: number;
  local_gb: number;
  vcpus_used: number;
  memory_mb_used: number;
  local_gb_used: number;
  disk_available_least: number | null;
}

export interface InstanceInfo {
  /** Nova's power_state number. */
  state: PowerState;
}

/** Where a console proxy connects to reach an instance's console. */
export interface ConsoleEndpoint {
  host: string;
  port: number;
  /** For consoles on unix sockets (qemu): the socket path on the compute host. */
  path?: string;
  internal_access_path?: string | null;
}

/** A volume of the instance as the driver sees it (Nova's DriverVolumeBlockDevice as a dict). */
export interface DriverVolume {
  /** The volume service's connection_info for this host (driver_volume_type nbd: host, port, export name). */
  readonly connection_info: BdmConnectionInfo;
  /** The guest device it is given, e.g. /dev/vdb. */
  readonly mount_device: string;
  readonly volume_id: string;
  readonly disk_bus: string | null;
  readonly device_type: string | null;
  /** 0: the root disk (boot from volume); null: not bootable. */
  readonly boot_index: number | null;
  readonly tag: string | null;
}

/** The block devices spawn gives the guest besides its image (Nova's block_device_info). */
export interface BlockDeviceInfo {
  /** The root device name (/dev/vda), or null. */
  readonly root_device_name: string | null;
  /** The volumes, root first when booting from one. */
  readonly block_device_mapping: readonly DriverVolume[];
}

/** What spawn needs besides the instance. */
export interface SpawnOptions {
  image: ImageMeta;
  adminPassword: string | null;
  /** The instance's volumes (capability supports_attach_volume); absent or empty: none. A root volume (boot_index 0) replaces the image disk. */
  blockDeviceInfo?: BlockDeviceInfo;
  /** Called with 0–100 while the driver works (optional progress reporting). */
  onProgress?: (percent: number) => void;
}

export type RebootType = 'SOFT' | 'HARD';

/**
 * What a driver can do (Nova's ComputeDriver.capabilities). The names and
 * their meaning live in objects/compute-node.ts because they cross the bus:
 * nova-compute reports them into its compute node record and nova-api
 * refuses, before casting, what the instance's host cannot do.
 */
export type { DriverCapabilities, DriverCapability } from '../objects/compute-node.ts';

export type { DiskInfo, ImageSink, LiveMigrateData, LiveMigrationProgress, MoveTarget } from './driver-moves.ts';

export interface ComputeDriver extends MoveOperations, ImageOperations, HostOperations {
  /**
   * What this driver can do; final once initHost has resolved (a driver may
   * probe its hypervisor there). Where a capability is false the driver
   * refuses the operation: DriverNotSupported for pause/unpause and
   * suspend/resume, ConsoleTypeUnavailable for a console type, and initHost
   * adopts nothing when guests do not survive a restart.
   * `has_imagecache` is also known before the driver is built (registry.ts).
   */
  readonly capabilities: DriverCapabilities;

  /**
   * Prepare the host when nova-compute starts. `instances` are those the
   * database places on this host; the driver adopts the ones it still runs.
   */
  initHost(host: string, instances: readonly InstanceDTO[]): Promise<void>;

  /** Resources of the node (reported to the database by nova-compute). */
  getAvailableResource(): Promise<HostResources>;

  /** uuids of the instances the hypervisor runs or knows. */
  listInstances(): Promise<string[]>;

  /** Create and boot the instance; resolves once it runs. Fails when the instance is already live (running or paused) here. */
  spawn(instance: InstanceDTO, opts: SpawnOptions): Promise<void>;

  /** Stop the instance and remove everything it had on the host. Unknown instances are fine. */
  destroy(instance: InstanceDTO): Promise<void>;

  /** SOFT: ask the guest (ACPI) and fall back to HARD after a timeout; HARD: reset. A guest that is off is booted. */
  reboot(instance: InstanceDTO, type: RebootType): Promise<void>;

  /** Clean shutdown with `timeoutSec` (0: immediately), then forced off. */
  powerOff(instance: InstanceDTO, timeoutSec: number): Promise<void>;

  powerOn(instance: InstanceDTO): Promise<void>;

  pause(instance: InstanceDTO): Promise<void>;
  unpause(instance: InstanceDTO): Promise<void>;

  /** Save the guest's state to disk and stop it; resume restores it. */
  suspend(instance: InstanceDTO): Promise<void>;
  resume(instance: InstanceDTO): Promise<void>;

  /** The power state; throws InstanceNotFound for unknown instances. */
  getInfo(instance: InstanceDTO): Promise<InstanceInfo>;

  /** The last `maxLines` lines (all when undefined, none for 0) of the serial console log; kept while the guest is off. */
  getConsoleOutput(instance: InstanceDTO, maxLines?: number): Promise<string>;

  getVncConsole(instance: InstanceDTO): Promise<ConsoleEndpoint>;
  getSerialConsole(instance: InstanceDTO): Promise<ConsoleEndpoint>;
  getSpiceConsole(instance: InstanceDTO): Promise<ConsoleEndpoint>;

  /**
   * Hot-plug the VIF of a port into the guest (Nova's attach_interface;
   * capability supports_attach_interface). A driver without it cannot.
   */
  attachInterface?(instance: InstanceDTO, vif: VifInfo): Promise<void>;
  /** Unplug the VIF from the guest (Nova's detach_interface); a VIF the guest has not is no error. */
  detachInterface?(instance: InstanceDTO, vif: VifInfo): Promise<void>;

  /**
   * Attach a volume to the guest at `volume.mount_device` (Nova's
   * attach_volume; capability supports_attach_volume), from its
   * connection_info. A driver without it cannot. A volume the guest
   * already has at that device is an error.
   */
  attachVolume?(instance: InstanceDTO, volume: DriverVolume): Promise<void>;
  /** Detach the volume (Nova's detach_volume); a volume the guest has not is no error. Works with the guest off. */
  detachVolume?(instance: InstanceDTO, volume: DriverVolume): Promise<void>;

  /** nova-compute is stopping: release driver resources but leave guests running. */
  cleanupHost?(): Promise<void>;
}
