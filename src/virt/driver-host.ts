/**
 * The parts of the driver contract about the host and a guest's figures
 * (Nova's get_diagnostics / get_instance_diagnostics, get_host_uptime,
 * host_power_action, host_maintenance_mode, set_host_enabled,
 * cache_image). Types only, like driver.ts. The optional methods are those
 * a Nova driver may leave unimplemented: a driver without one answers as
 * Nova's NotImplementedError (nova-compute turns it into
 * DriverNotSupported, the API into Nova's 501 or its documented fallback).
 */
import type { InstanceDTO } from '../objects/instance.ts';

/** One vCPU (nova.objects.diagnostics.CpuDiagnostics). */
export interface CpuDiagnostics {
  id: number | null;
  /** Nanoseconds of CPU time. */
  time: number | null;
  utilisation: number | null;
}

/** One network interface (NicDiagnostics). */
export interface NicDiagnostics {
  mac_address: string | null;
  rx_octets: number | null;
  rx_errors: number | null;
  rx_drop: number | null;
  rx_packets: number | null;
  rx_rate: number | null;
  tx_octets: number | null;
  tx_errors: number | null;
  tx_drop: number | null;
  tx_packets: number | null;
  tx_rate: number | null;
}

/** One disk (DiskDiagnostics). */
export interface DiskDiagnostics {
  read_bytes: number | null;
  read_requests: number | null;
  write_bytes: number | null;
  write_requests: number | null;
  errors_count: number | null;
}

/** A guest's figures in Nova's standard format (nova.objects.diagnostics.Diagnostics, the 2.48 body). */
export interface InstanceDiagnostics {
  /** The power state's name: running, paused, shutdown… */
  state: string;
  /** The driver family (libvirt, …, or fake). */
  driver: string;
  hypervisor: string | null;
  hypervisor_os: string | null;
  /** Seconds since the guest was launched. */
  uptime: number | null;
  config_drive: boolean;
  num_cpus: number;
  num_nics: number;
  num_disks: number;
  cpu_details: CpuDiagnostics[];
  nic_details: NicDiagnostics[];
  disk_details: DiskDiagnostics[];
  /** MiB. */
  memory_details: { maximum: number | null; used: number | null };
}

/** What a driver reports of a running guest: the standard format and its own flat dict (the body before 2.48). */
export interface DriverDiagnostics {
  standard: InstanceDiagnostics;
  /** e.g. cpu0_time, vda_read, vda_read_req, memory, memory-actual (Nova's libvirt get_diagnostics keys). */
  legacy: Record<string, number | string>;
}

/** A host power action of os-hosts. */
export type HostPowerAction = 'startup' | 'shutdown' | 'reboot';

export interface HostOperations {
  /** The figures of a running guest (nova-compute checks that it runs first). */
  getDiagnostics(instance: InstanceDTO): Promise<DriverDiagnostics>;
  /** What `uptime` prints on the host, e.g. " 10:02:03 up 2 days,  3:04,  1 user,  load average: 0.10, 0.05, 0.01". */
  getHostUptime?(): Promise<string>;
  /** Power the host up, down or reboot it; answers the action done. */
  hostPowerAction?(action: HostPowerAction): Promise<string>;
  /** Start or stop a maintenance window: 'on_maintenance' or 'off_maintenance'. */
  hostMaintenanceMode?(host: string, mode: boolean): Promise<string>;
  /** Whether the host takes new instances: 'enabled' or 'disabled'. */
  setHostEnabled?(enabled: boolean): Promise<string>;
  /** Fetch an image into the host's image cache ahead of use: true when fetched now, false when it was there. */
  cacheImage?(imageId: string): Promise<boolean>;
}
