import { setTimeout as sleep } from 'node:timers/promises';
import { InstanceNotFound } from '../../exception/instance.ts';
import { ConsoleTypeUnavailable, HypervisorError } from '../../exception/virt.ts';
import type { InstanceDTO } from '../../objects/instance.ts';
import { PowerState } from '../../objects/states.ts';
import type { ComputeDriver, ConsoleEndpoint, DriverCapabilities, HostResources, InstanceInfo, RebootType, SpawnOptions } from '../driver.ts';

export interface FakeDriverOptions {
  hostname: string;
  vcpus: number;
  memoryMb: number;
  localGb: number;
  /** Simulated boot time. */
  spawnDelayMs: number;
  /** Fraction of spawns that fail (0–1). */
  spawnFailureRate: number;
  random?: () => number;
}

interface FakeInstance {
  uuid: string;
  state: PowerState;
  vcpus: number;
  memoryMb: number;
  diskGb: number;
  console: string[];
}

/**
 * The fake hypervisor (nova.virt.fake.FakeDriver): keeps instances in memory
 * and reports configurable resources. For tests and scale runs. Failure
 * injection: `[fake] spawn_failure_rate`, or instance metadata
 * `fake_spawn_fail = true` for one instance.
 */
export class FakeDriver implements ComputeDriver {
  readonly capabilities: DriverCapabilities = {
    supportsPause: true,
    supportsSuspend: true,
    supportsVncConsole: false,
    supportsSerialConsole: false,
    supportsSpiceConsole: false,
    survivesComputeRestart: true,
  };
  private readonly instances = new Map<string, FakeInstance>();
  private readonly random: () => number;

  constructor(private readonly opts: FakeDriverOptions) {
    this.random = opts.random ?? Math.random;
  }

  private get(instance: InstanceDTO): FakeInstance {
    const i = this.instances.get(instance.uuid);
    if (!i) throw InstanceNotFound.of(instance.uuid);
    return i;
  }

  private record(instance: InstanceDTO, state: PowerState): FakeInstance {
    const i: FakeInstance = {
      uuid: instance.uuid,
      state,
      vcpus: instance.vcpus,
      memoryMb: instance.memory_mb,
      diskGb: instance.root_gb + instance.ephemeral_gb,
      console: [`fake console of ${instance.uuid}`, `booted ${instance.display_name ?? ''}`],
    };
    this.instances.set(instance.uuid, i);
    return i;
  }

  /** Fake guests "survive" a restart: re-adopt what the database says runs here. */
  async initHost(_host: string, instances: readonly InstanceDTO[]): Promise<void> {
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

  async spawn(instance: InstanceDTO, _opts: SpawnOptions): Promise<void> {
    if (this.opts.spawnDelayMs > 0) await sleep(this.opts.spawnDelayMs);
    if (instance.metadata.fake_spawn_fail === 'true' || (this.opts.spawnFailureRate > 0 && this.random() < this.opts.spawnFailureRate)) {
      throw new HypervisorError(`fake driver: injected spawn failure on ${this.opts.hostname}`);
    }
    this.record(instance, PowerState.RUNNING);
  }

  async destroy(instance: InstanceDTO): Promise<void> {
    this.instances.delete(instance.uuid);
  }

  async reboot(instance: InstanceDTO, _type: RebootType): Promise<void> {
    const i = this.get(instance);
    i.console.push('rebooted');
    i.state = PowerState.RUNNING;
  }

  async powerOff(instance: InstanceDTO, _timeoutSec: number): Promise<void> {
    this.get(instance).state = PowerState.SHUTDOWN;
  }

  async powerOn(instance: InstanceDTO): Promise<void> {
    this.get(instance).state = PowerState.RUNNING;
  }

  async pause(instance: InstanceDTO): Promise<void> {
    this.get(instance).state = PowerState.PAUSED;
  }

  async unpause(instance: InstanceDTO): Promise<void> {
    this.get(instance).state = PowerState.RUNNING;
  }

  async suspend(instance: InstanceDTO): Promise<void> {
    this.get(instance).state = PowerState.SUSPENDED;
  }

  async resume(instance: InstanceDTO): Promise<void> {
    this.get(instance).state = PowerState.RUNNING;
  }

  async getInfo(instance: InstanceDTO): Promise<InstanceInfo> {
    return { state: this.get(instance).state };
  }

  async getConsoleOutput(instance: InstanceDTO, maxLines?: number): Promise<string> {
    const lines = this.get(instance).console;
    return `${(maxLines === undefined ? lines : lines.slice(-maxLines)).join('\n')}\n`;
  }

  async getVncConsole(): Promise<ConsoleEndpoint> {
    throw ConsoleTypeUnavailable.of('novnc');
  }

  async getSerialConsole(): Promise<ConsoleEndpoint> {
    throw ConsoleTypeUnavailable.of('serial');
  }

  async getSpiceConsole(): Promise<ConsoleEndpoint> {
    throw ConsoleTypeUnavailable.of('spice-html5');
  }

  /** Test hook: change an instance's power state behind nova's back (a guest that died). */
  setPowerState(uuid: string, state: PowerState): void {
    const i = this.instances.get(uuid);
    if (i) i.state = state;
  }
}
