/**
 * The fake driver's host operations and figures, as Nova's FakeDriver
 * answers them: host_power_action returns the action, maintenance mode
 * on_/off_maintenance, set_host_enabled enabled/disabled; diagnostics are
 * Nova's fake figures with the guest's own vCPUs and memory; image caching
 * is recorded (FakeDriverWithCaching: true the first time, false after);
 * consoles are Nova's fake endpoints (fakevncconsole.com:6969, path FAKE).
 * The host uptime is the machine's own (virt/uptime.ts).
 */
import type { DriverCapability } from '../../objects/compute-node.ts';
import { PowerState } from '../../objects/states.ts';
import type { ConsoleEndpoint } from '../driver.ts';
import type { DriverDiagnostics } from '../driver-host.ts';
import type { FakeGuest } from './hypervisor.ts';

/** What the fake can do when nothing is switched off: everything but an image cache; its consoles are Nova's fake endpoints. */
export const FAKE_CAPABILITIES: Record<DriverCapability, boolean> = {
  has_imagecache: false,
  supports_pause: true,
  supports_suspend: true,
  supports_vnc_console: true,
  supports_serial_console: true,
  supports_spice_console: true,
  guests_survive_restart: true,
  supports_migrate: true,
  supports_migrate_to_same_host: true,
  supports_live_migration: true,
  supports_evacuate: true,
  supports_snapshot: true,
  supports_rescue: true,
  supports_set_admin_password: true,
  supports_trigger_crash_dump: true,
  supports_attach_interface: true,
  supports_tagged_attach_interface: true,
  supports_attach_volume: true,
  supports_tagged_attach_volume: true,
  supports_multiattach: false,
};

/** Nova's power_state.STATE_MAP names. */
export const POWER_STATE_NAMES: Readonly<Record<number, string>> = {
  [PowerState.NOSTATE]: 'pending',
  [PowerState.RUNNING]: 'running',
  [PowerState.PAUSED]: 'paused',
  [PowerState.SHUTDOWN]: 'shutdown',
  [PowerState.CRASHED]: 'crashed',
  [PowerState.SUSPENDED]: 'suspended',
};

/** The console endpoints of Nova's FakeDriver. */
export const FAKE_CONSOLES: Readonly<Record<'vnc' | 'serial' | 'spice', ConsoleEndpoint>> = {
  vnc: { host: 'fakevncconsole.com', port: 6969, internal_access_path: 'FAKE' },
  serial: { host: 'fakerdpconsole.com', port: 6969, internal_access_path: 'FAKE' },
  spice: { host: 'fakespiceconsole.com', port: 6969, internal_access_path: 'FAKE' },
};

/** The diagnostics of a fake guest: Nova's fake counters, the guest's vCPUs and memory. */
export function fakeDiagnostics(g: FakeGuest, launchedAt: string | null, configDrive: boolean): DriverDiagnostics {
  const uptime = launchedAt ? Math.max(0, Math.round((Date.now() - Date.parse(`${launchedAt.replace(' ', 'T')}Z`)) / 1000)) : null;
  const cpus = Array.from({ length: g.vcpus }, (_, id) => ({ id, time: 17300000000, utilisation: 15 }));
  const nic = {
    mac_address: '01:23:45:67:89:ab',
    rx_octets: 2070139,
    rx_errors: 100,
    rx_drop: 200,
    rx_packets: 26701,
    rx_rate: 300,
    tx_octets: 140208,
    tx_errors: 400,
    tx_drop: 500,
    tx_packets: 662,
    tx_rate: 600,
  };
  const disk = { read_bytes: 262144, read_requests: 112, write_bytes: 5778432, write_requests: 488, errors_count: 1 };
  const legacy: Record<string, number> = {};
  for (const c of cpus) legacy[`cpu${c.id}_time`] = c.time;
  Object.assign(legacy, {
    memory: g.memoryMb * 1024,
    vda_errors: -1,
    vda_read: disk.read_bytes,
    vda_read_req: disk.read_requests,
    vda_write: disk.write_bytes,
    vda_write_req: disk.write_requests,
    vnet1_rx: nic.rx_octets,
    vnet1_rx_drop: 0,
    vnet1_rx_errors: 0,
    vnet1_rx_packets: nic.rx_packets,
    vnet1_tx: nic.tx_octets,
    vnet1_tx_drop: 0,
    vnet1_tx_errors: 0,
    vnet1_tx_packets: nic.tx_packets,
  });
  return {
    standard: {
      state: POWER_STATE_NAMES[g.state] ?? 'pending',
      driver: 'fake',
      hypervisor: 'fake',
      hypervisor_os: 'fake',
      uptime,
      config_drive: configDrive,
      num_cpus: cpus.length,
      num_nics: 1,
      num_disks: 1,
      cpu_details: cpus,
      nic_details: [nic],
      disk_details: [disk],
      memory_details: { maximum: g.memoryMb, used: 0 },
    },
    legacy,
  };
}
