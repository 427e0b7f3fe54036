import { setTimeout as sleep } from 'node:timers/promises';
import { InstanceNotFound, InstanceNotRunning } from '../../exception/instance.ts';
import { ConsoleTypeUnavailable, DriverNotSupported, HypervisorError } from '../../exception/virt.ts';
import type { DriverCapability } from '../../objects/compute-node.ts';
import type { InstanceDTO } from '../../objects/instance.ts';
import type { VifInfo } from '../../objects/network-info.ts';
import type { ImageMeta } from '../../objects/request-spec.ts';
import { PowerState } from '../../objects/states.ts';
import type { BlockDeviceInfo, ComputeDriver, ConsoleEndpoint, DriverCapabilities, DriverVolume, HostResources, InstanceInfo, RebootType, SpawnOptions } from '../driver.ts';
import type { DriverDiagnostics, HostPowerAction } from '../driver-host.ts';
import type { DiskInfo, ImageSink, LiveMigrateData, LiveMigrationProgress, MoveTarget } from '../driver-moves.ts';
import { uptimeLine } from '../uptime.ts';
import * as host from './host.ts';
import { FAKE_CAPABILITIES } from './host.ts';
import * as hotplug from './hotplug.ts';
import { type FakeGuest, type FakeHypervisor, hypervisorOf } from './hypervisor.ts';
import type { FakeMoveDeps } from './moves.ts';
import * as moves from './moves.ts';

export interface FakeDriverOptions {
  hostname: string;
  vcpus: number;
  memoryMb: number;
  localGb: number;
  /** Simulated boot time. */
  spawnDelayMs: number;
  /** Fraction of spawns that fail (0–1). */
  spawnFailureRate: number;
  /** Capabilities this fake lacks (`[fake] disabled_capabilities`): it refuses those operations. */
  disabledCapabilities?: readonly DriverCapability[];
  /** `[fake] guests_file`: where the host's guests persist across nova-compute processes (null: in memory only). */
  guestsFile?: string | null;
  /** `[fake] live_migration_ms`: how long a live migration runs unless forced to complete. */
  liveMigrationMs?: number;
  random?: () => number;
}

/**
 * The fake hypervisor (nova.virt.fake.FakeDriver): keeps instances in memory
 * and reports configurable resources. For tests and scale runs. Failure
 * injection: `[fake] spawn_failure_rate`, or instance metadata
 * `fake_spawn_fail = true` for one instance (`fake_move_fail` and
 * `fake_snapshot_fail` for moves and snapshots, see moves.ts). The block device info each
 * call got is recorded per instance (FakeHypervisor.blockDevices). It keeps the driver contract
 * as the QEMU driver does (test/conformance/driver.case.ts runs both).
 */
export class FakeDriver implements ComputeDriver {
  readonly capabilities: DriverCapabilities;
  private readonly instances: Map<string, FakeGuest>;
  private readonly hypervisor: FakeHypervisor;
  private readonly random: () => number;

  constructor(private readonly opts: FakeDriverOptions) {
    this.random = opts.random ?? Math.random;
    this.hypervisor = hypervisorOf(opts.hostname, opts.guestsFile ?? null);
    this.instances = this.hypervisor.guests;
    const capabilities: Record<DriverCapability, boolean> = { ...FAKE_CAPABILITIES };
    for (const name of opts.disabledCapabilities ?? []) capabilities[name] = false;
    this.capabilities = capabilities;
  }

  private get(instance: InstanceDTO): FakeGuest {
    const i = this.instances.get(instance.uuid);
    if (!i) throw InstanceNotFound.of(instance.uuid);
    return i;
  }

  /** DriverNotSupported unless the capability is on. */
  private require(capability: DriverCapability, action: string): void {
    if (!this.capabilities[capability]) throw new DriverNotSupported(`The fake driver on ${this.opts.hostname} does not support ${action} (${capability} is off).`, { capability });
  }

  /** The instance with a live (running or paused) guest; InstanceNotRunning otherwise, as a QEMU-backed guest without its process. */
  private live(instance: InstanceDTO): FakeGuest {
    const i = this.get(instance);
    if (i.state !== PowerState.RUNNING && i.state !== PowerState.PAUSED)
      throw new InstanceNotRunning(`Instance ${instance.uuid} is not running.`, { instance_uuid: instance.uuid });
    return i;
  }

  private record(instance: InstanceDTO, state: PowerState): FakeGuest {
    const i = this.guestRecord(instance, state);
    this.instances.set(instance.uuid, i);
    return i;
  }

  /**
   * Adopt the guests the database places here: those the host's fake
   * hypervisor still runs (nova-compute restarted in this process) as they
   * are, the others (a new process) re-created in the state the database
   * says. Guests the database does not place here are leftovers of an
   * earlier fake cloud in this process and are dropped. With
   * guests_survive_restart off, the restart lost every guest. With a guests
   * file, the guests are what the file holds.
   */
  async initHost(_host: string, instances: readonly InstanceDTO[]): Promise<void> {
    if (!this.capabilities.guests_survive_restart) {
      this.instances.clear();
      this.hypervisor.save();
      return;
    }
    // With a guests file the hypervisor's own record is the truth: guests are as the file says (orphans and lost guests included).
    if (this.hypervisor.file) return;
    const listed = new Set(instances.map((i) => i.uuid));
    for (const uuid of this.instances.keys()) if (!listed.has(uuid)) this.instances.delete(uuid);
    for (const inst of instances) {
      if (this.instances.has(inst.uuid) || inst.vm_state === 'building' || inst.vm_state === 'error') continue;
      const state = inst.power_state === PowerState.NOSTATE ? PowerState.SHUTDOWN : (inst.power_state as PowerState);
      this.record(inst, state);
    }
  }

  async getAvailableResource(): Promise<HostResources> {
    let vcpus = 0;
    let mem = 0;
    let disk = 0;
    for (const i of this.instances.values()) {
      vcpus += i.vcpus;
      mem += i.memoryMb;
      disk += i.diskGb;
    }
    return {
      hypervisor_hostname: this.opts.hostname,
      hypervisor_type: 'fake',
      hypervisor_version: 1000,
      cpu_info: JSON.stringify({ arch: 'x86_64', model: 'Nehalem', vendor: 'Intel', topology: { cells: 1, sockets: 1, cores: 1, threads: 1 }, features: [] }),
      vcpus: this.opts.vcpus,
      memory_mb: this.opts.memoryMb,
      local_gb: this.opts.localGb,
      vcpus_used: vcpus,
      memory_mb_used: mem,
      local_gb_used: disk,
      disk_available_least: this.opts.localGb - disk,
    };
  }

  async listInstances(): Promise<string[]> {
    return [...this.instances.keys()];
  }

  async spawn(instance: InstanceDTO, opts: SpawnOptions): Promise<void> {
    const known = this.instances.get(instance.uuid);
    if (known && (known.state === PowerState.RUNNING || known.state === PowerState.PAUSED)) {
      throw new HypervisorError(`instance ${instance.uuid} already runs on this host`, { uuid: instance.uuid });
    }
    if (this.opts.spawnDelayMs > 0) await sleep(this.opts.spawnDelayMs);
    if (instance.metadata.fake_spawn_fail === 'true' || (this.opts.spawnFailureRate > 0 && this.random() < this.opts.spawnFailureRate)) {
      throw new HypervisorError(`fake driver: injected spawn failure on ${this.opts.hostname}`);
    }
    const g = this.record(instance, PowerState.RUNNING);
    g.disks = hotplug.spawnDisks(this.capabilities, this.hypervisor.recordBlockDevices('spawn', instance.uuid, opts.blockDeviceInfo));
    this.hypervisor.save();
  }

  async destroy(instance: InstanceDTO): Promise<void> {
    this.instances.delete(instance.uuid);
    this.hypervisor.blockDevices.delete(instance.uuid);
    this.hypervisor.save();
  }

  /** Any reboot leaves the guest running, also one that was off, paused or suspended (as a hard reboot boots it). */
  async reboot(instance: InstanceDTO, _type: RebootType): Promise<void> {
    const i = this.get(instance);
    i.console.push('rebooted');
    i.state = PowerState.RUNNING;
    this.hypervisor.save();
  }

  /** Off from any state; a suspended guest's saved state is dropped. */
  async powerOff(instance: InstanceDTO, _timeoutSec: number): Promise<void> {
    this.get(instance).state = PowerState.SHUTDOWN;
    this.hypervisor.save();
  }

  /** Boots a guest that is not running (a cold boot: a paused or suspended guest's state is lost). */
  async powerOn(instance: InstanceDTO): Promise<void> {
    const i = this.get(instance);
    if (i.state === PowerState.RUNNING) return;
    i.console.push(`booted ${instance.display_name ?? ''}`);
    i.state = PowerState.RUNNING;
    this.hypervisor.save();
  }

  async pause(instance: InstanceDTO): Promise<void> {
    this.require('supports_pause', 'pause');
    this.live(instance).state = PowerState.PAUSED;
    this.hypervisor.save();
  }

  async unpause(instance: InstanceDTO): Promise<void> {
    this.require('supports_pause', 'unpause');
    this.live(instance).state = PowerState.RUNNING;
    this.hypervisor.save();
  }

  /** Suspends a running or paused guest; a suspended one stays so. */
  async suspend(instance: InstanceDTO): Promise<void> {
    this.require('supports_suspend', 'suspend');
    const i = this.get(instance);
    if (i.state === PowerState.SUSPENDED) return;
    this.live(instance).state = PowerState.SUSPENDED;
    this.hypervisor.save();
  }

  /** Resumes a suspended guest, continues a paused one, boots one that is off. */
  async resume(instance: InstanceDTO): Promise<void> {
    this.require('supports_suspend', 'resume');
    const i = this.get(instance);
    if (i.state === PowerState.SHUTDOWN) i.console.push(`booted ${instance.display_name ?? ''}`);
    i.state = PowerState.RUNNING;
    this.hypervisor.save();
  }

  async getInfo(instance: InstanceDTO): Promise<InstanceInfo> {
    return { state: this.get(instance).state };
  }

  async getConsoleOutput(instance: InstanceDTO, maxLines?: number): Promise<string> {
    const all = this.get(instance).console;
    const lines = maxLines === undefined ? all : maxLines > 0 ? all.slice(-maxLines) : [];
    return lines.length ? `${lines.join('\n')}\n` : '';
  }

  /** Nova's FakeDriver consoles (fake host and port) while the guest is live; ConsoleTypeUnavailable with the capability off. */
  private console(instance: InstanceDTO, kind: 'vnc' | 'serial' | 'spice', capability: DriverCapability, type: string): ConsoleEndpoint {
    if (!this.capabilities[capability]) throw ConsoleTypeUnavailable.of(type);
    this.live(instance);
    return { ...host.FAKE_CONSOLES[kind] };
  }

  async getVncConsole(instance: InstanceDTO): Promise<ConsoleEndpoint> {
    return this.console(instance, 'vnc', 'supports_vnc_console', 'novnc');
  }

  async getSerialConsole(instance: InstanceDTO): Promise<ConsoleEndpoint> {
    return this.console(instance, 'serial', 'supports_serial_console', 'serial');
  }

  async getSpiceConsole(instance: InstanceDTO): Promise<ConsoleEndpoint> {
    return this.console(instance, 'spice', 'supports_spice_console', 'spice-html5');
  }

  // Host operations and figures (virt/fake/host.ts): Nova's FakeDriver answers.
  async getDiagnostics(instance: InstanceDTO): Promise<DriverDiagnostics> {
    return host.fakeDiagnostics(this.get(instance), instance.launched_at, instance.config_drive === 'True' || instance.config_drive === 'true');
  }
  async getHostUptime(): Promise<string> {
    return uptimeLine();
  }
  async hostPowerAction(action: HostPowerAction): Promise<string> {
    return action;
  }
  async hostMaintenanceMode(_host: string, mode: boolean): Promise<string> {
    return mode ? 'on_maintenance' : 'off_maintenance';
  }
  async setHostEnabled(enabled: boolean): Promise<string> {
    return enabled ? 'enabled' : 'disabled';
  }
  async cacheImage(imageId: string): Promise<boolean> {
    if (this.hypervisor.cachedImages.has(imageId)) return false;
    this.hypervisor.cachedImages.add(imageId);
    return true;
  }

  private get moves(): FakeMoveDeps {
    return { host: this.opts.hostname, hypervisor: this.hypervisor, liveMigrationMs: this.opts.liveMigrationMs ?? 1000, guestOf: (i, state) => this.guestRecord(i, state) };
  }

  /** The guest of an instance as spawned with its current flavor (not yet stored). */
  private guestRecord(instance: InstanceDTO, state: PowerState): FakeGuest {
    return {
      uuid: instance.uuid,
      state,
      vcpus: instance.vcpus,
      memoryMb: instance.memory_mb,
      diskGb: instance.root_gb + instance.ephemeral_gb,
      console: [`fake console of ${instance.uuid}`, `booted ${instance.display_name ?? ''}`],
      vifs: instance.network_info.map((v) => v.id),
    };
  }

  async migrateDiskAndPowerOff(instance: InstanceDTO, target: MoveTarget, _timeoutSec: number): Promise<DiskInfo> {
    this.require('supports_migrate', 'cold migration');
    return moves.migrateDiskAndPowerOff(this.moves, instance, target);
  }

  async finishMigration(instance: InstanceDTO, disk: DiskInfo, _image: ImageMeta, powerOn: boolean, blockDeviceInfo?: BlockDeviceInfo): Promise<void> {
    this.require('supports_migrate', 'cold migration');
    moves.finishMigration(this.moves, instance, disk, powerOn, blockDeviceInfo);
  }

  async confirmMigration(instance: InstanceDTO): Promise<void> {
    moves.confirmMigration(this.moves, instance);
  }

  async finishRevertMigration(instance: InstanceDTO, powerOn: boolean, blockDeviceInfo?: BlockDeviceInfo): Promise<void> {
    moves.finishRevertMigration(this.moves, instance, powerOn, blockDeviceInfo);
  }

  async preLiveMigration(instance: InstanceDTO, blockMigration: boolean, blockDeviceInfo?: BlockDeviceInfo): Promise<LiveMigrateData> {
    this.require('supports_live_migration', 'live migration');
    return moves.preLiveMigration(this.moves, instance, blockMigration, blockDeviceInfo);
  }

  async liveMigration(instance: InstanceDTO, target: MoveTarget, _data: LiveMigrateData, onProgress: (p: LiveMigrationProgress) => void): Promise<void> {
    this.require('supports_live_migration', 'live migration');
    await moves.liveMigration(this.moves, instance, target, onProgress);
  }

  async postLiveMigrationAtDestination(instance: InstanceDTO): Promise<void> {
    moves.postLiveMigrationAtDestination(this.moves, instance);
  }

  async rollbackLiveMigrationAtDestination(_instance: InstanceDTO): Promise<void> {
    // Nothing was set up on the destination before the guest arrived.
  }

  async liveMigrationForceComplete(instance: InstanceDTO): Promise<void> {
    moves.finishLiveMigration(this.moves, instance, 'complete');
  }

  async liveMigrationAbort(instance: InstanceDTO): Promise<void> {
    moves.finishLiveMigration(this.moves, instance, 'abort');
  }

  async snapshot(instance: InstanceDTO, sink: ImageSink): Promise<void> {
    this.require('supports_snapshot', 'snapshot');
    await moves.snapshot(this.moves, instance, sink);
  }

  async rescue(instance: InstanceDTO, image: ImageMeta, _adminPassword: string | null): Promise<void> {
    this.require('supports_rescue', 'rescue');
    const g = this.get(instance);
    g.state = PowerState.RUNNING;
    g.console.push(`rescued with image ${image.id}`);
    this.hypervisor.save();
  }

  async unrescue(instance: InstanceDTO): Promise<void> {
    this.require('supports_rescue', 'unrescue');
    const g = this.get(instance);
    g.state = PowerState.RUNNING;
    g.console.push('unrescued');
    this.hypervisor.save();
  }

  async setAdminPassword(instance: InstanceDTO, _password: string): Promise<void> {
    this.require('supports_set_admin_password', 'set_admin_password');
    this.live(instance).console.push('admin password changed');
  }

  async injectNmi(instance: InstanceDTO): Promise<void> {
    this.require('supports_trigger_crash_dump', 'trigger_crash_dump');
    this.live(instance).console.push('NMI received');
  }
  attachInterface(instance: InstanceDTO, vif: VifInfo): Promise<void> {
    return hotplug.attachInterface(this.hotplug, instance, vif);
  }
  detachInterface(instance: InstanceDTO, vif: VifInfo): Promise<void> {
    return hotplug.detachInterface(this.hotplug, instance, vif);
  }
  attachVolume(instance: InstanceDTO, volume: DriverVolume): Promise<void> {
    return hotplug.attachVolume(this.hotplug, instance, volume);
  }
  detachVolume(instance: InstanceDTO, volume: DriverVolume): Promise<void> {
    return hotplug.detachVolume(this.hotplug, instance, volume);
  }
  private get hotplug(): hotplug.HotplugDeps {
    return { get: (i) => this.get(i), require: (c, a) => this.require(c, a), save: () => this.hypervisor.save() };
  }

  /** Test hook: change an instance's power state behind nova's back (a guest that died). */
  setPowerState(uuid: string, state: PowerState): void {
    const i = this.instances.get(uuid);
    if (i) i.state = state;
    this.hypervisor.save();
  }
}
