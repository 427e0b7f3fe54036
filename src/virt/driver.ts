/**
 * The hypervisor driver contract (nova.virt.driver.ComputeDriver). Only
 * types live here; implementations are in virt/fake/ and virt/qemu/ and are
 * chosen by `[DEFAULT] compute_driver` through virt/registry.ts.
 *
 * Method names map to Nova's: initHost = init_host, getAvailableResource =
 * get_available_resource, listInstances = list_instances, getInfo =
 * get_info, powerOff/powerOn = power_off/power_on, getConsoleOutput =
 * get_console_output, getVncConsole/getSerialConsole/getSpiceConsole =
 * get_vnc_console/get_serial_console/get_spice_console.
 *
 * Failure semantics: a method that cannot do its job throws. InstanceNotFound
 * means the hypervisor does not know the instance; ConsoleTypeUnavailable
 * means the driver has no console of that kind. Anything else is a driver
 * error that nova-compute records as an instance fault.
 */
import type { InstanceDTO } from '../objects/instance.ts';
import type { ImageMeta } from '../objects/request-spec.ts';
import type { PowerState } from '../objects/states.ts';

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

/** What spawn needs besides the instance. */
export interface SpawnOptions {
  image: ImageMeta;
  adminPassword: string | null;
  /** Called with 0–100 while the driver works (optional progress reporting). */
  onProgress?: (percent: number) => void;
}

export type RebootType = 'SOFT' | 'HARD';

/** What a driver can do; the API refuses what the driver cannot. */
export interface DriverCapabilities {
  readonly supportsPause: boolean;
  readonly supportsSuspend: boolean;
  readonly supportsVncConsole: boolean;
  readonly supportsSerialConsole: boolean;
  readonly supportsSpiceConsole: boolean;
  /** Guests survive a nova-compute restart and are adopted by initHost. */
  readonly survivesComputeRestart: boolean;
}

export interface ComputeDriver {
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

  /** Create and boot the instance; resolves once it runs. */
  spawn(instance: InstanceDTO, opts: SpawnOptions): Promise<void>;

  /** Stop the instance and remove everything it had on the host. Unknown instances are fine. */
  destroy(instance: InstanceDTO): Promise<void>;

  /** SOFT: ask the guest (ACPI) and fall back to HARD after a timeout; HARD: reset. */
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

  /** The last `maxLines` lines (all when undefined) of the serial console log. */
  getConsoleOutput(instance: InstanceDTO, maxLines?: number): Promise<string>;

  getVncConsole(instance: InstanceDTO): Promise<ConsoleEndpoint>;
  getSerialConsole(instance: InstanceDTO): Promise<ConsoleEndpoint>;
  getSpiceConsole(instance: InstanceDTO): Promise<ConsoleEndpoint>;

  /** nova-compute is stopping: release driver resources but leave guests running. */
  cleanupHost?(): Promise<void>;
}
