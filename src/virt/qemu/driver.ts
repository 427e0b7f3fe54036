import fs from 'node:fs';
import path from 'node:path';
import type { NovaConfig } from '../../conf/loader.ts';
import { adminContext, currentContext } from '../../context.ts';
import { InstanceNotFound, InstanceNotRunning } from '../../exception/instance.ts';
import { ConsoleTypeUnavailable, HypervisorError } from '../../exception/virt.ts';
import type { Logger } from '../../log.ts';
import type { InstanceDTO } from '../../objects/instance.ts';
import type { VifInfo } from '../../objects/network-info.ts';
import { PowerState } from '../../objects/states.ts';
import type { ComputeDriver, ConsoleEndpoint, DriverCapabilities, DriverVolume, HostResources, InstanceInfo, RebootType, SpawnOptions } from '../driver.ts';
import type { DriverDiagnostics } from '../driver-host.ts';
import type { ImageSource } from '../images.ts';
import { type AccelChoice, chooseAccel } from './accel.ts';
import { qemuCapabilities } from './capabilities.ts';
import { buildQemuArgs, instanceName, macFromUuid } from './cmdline.ts';
import { writeConfigDrive } from './configdrive-write.ts';
import { readConsoleLog, trimConsoleLog } from './console.ts';
import type { QemuContext } from './context.ts';
import { hostUptime, qemuDiagnostics } from './diagnostics.ts';
import { Guest, powerStateOf, usageOf } from './guest.ts';
import { attachNic, detachNic, detachPolicy } from './hotplug.ts';
import { createOverlay, ImageCache, LocalImageSource } from './images.ts';
import { KeyedLock } from './lock.ts';
import { reapExports } from './migrate-cold.ts';
import { QemuMoves } from './moves.ts';
import { basePath, instanceDirs, instancePaths } from './paths.ts';
import { consoleEndpoint, tcpConsoles } from './ports.ts';
import { qemuHasSpice, qemuVersion } from './probe.ts';
import { startQemu } from './process.ts';
import { rescueLayout } from './rescue.ts';
import { hostResources } from './resources.ts';
import { loadGuest, saveGuest } from './savestate.ts';
import { guestMac, plugTaps, tapNics, unplugTaps } from './vifs.ts';
import { attachVolume, detachVolume, setSpawnVolumes, type VolumeOptions, volumeArgs } from './volumes.ts';

/** What the driver is built from; tests inject the image source and the accelerator. */
export interface QemuDriverOptions {
  conf: NovaConfig;
  host: string;
  log: Logger;
  /** Where images come from; default: LocalImageSource on `[qemu] local_image_dir`. */
  imageSource?: ImageSource;
  /** Override accelerator detection. */
  accel?: AccelChoice;
}

/** Nova's libvirt driver, without libvirt: QEMU processes and QMP. */
export class QemuDriver extends QemuMoves implements ComputeDriver {
  private caps: DriverCapabilities;
  private readonly guests = new Map<string, Guest>();
  protected readonly lock = new KeyedLock();
  protected readonly context: QemuContext;
  private readonly images: ImageCache;
  private readonly accel: AccelChoice;
  private readonly conf: NovaConfig;
  private readonly log: Logger;
  private readonly instancesPath: string;
  private readonly binary: string;

  constructor(private readonly opts: QemuDriverOptions) {
    super();
    this.conf = opts.conf;
    this.log = opts.log;
    this.instancesPath = path.resolve(opts.conf.DEFAULT.instances_path);
    this.binary = opts.conf.qemu.qemu_binary;
    const source = opts.imageSource ?? new LocalImageSource(path.resolve(opts.conf.qemu.local_image_dir));
    this.images = new ImageCache({ instancesPath: this.instancesPath, qemuImg: opts.conf.qemu.qemu_img, source });
    this.accel = opts.accel ?? chooseAccel(opts.conf.qemu.virt_type);
    this.log.info({ accel: this.accel.accel, virt_type: opts.conf.qemu.virt_type }, this.accel.reason);
    this.caps = qemuCapabilities(opts.conf);
    const imageCtx = () => currentContext() ?? adminContext();
    this.context = {
      conf: this.conf,
      log: this.log,
      host: opts.host,
      instancesPath: this.instancesPath,
      guest: (i) => this.guest(i),
      handle: (i) => this.guests.get(i.uuid) ?? new Guest(instancePaths(this.instancesPath, i.uuid), usageOf(i), this.log),
      register: (i, g) => {
        g.usage = usageOf(i);
        this.guests.set(i.uuid, g);
      },
      forget: (uuid) => {
        this.guests.get(uuid)?.closeQmp();
        this.guests.delete(uuid);
      },
      launch: (i, g, incoming = false) => this.launch(i, g, incoming),
      ensureBase: (id) => this.images.ensureBase(imageCtx(), id),
      imageProperties: (id) => this.images.properties(imageCtx(), id),
      buildConfigDrive: (i, file, adminPassword, props) => this.createConfigDrive(i, file, adminPassword, props),
    };
  }

  private get volumeOptions(): VolumeOptions {
    return { reconnectDelay: this.conf.qemu.volume_reconnect_delay };
  }

  /** VNC with `[vnc] enabled`, SPICE with `[qemu] spice_enabled` and a QEMU built with it (known after initHost). */
  get capabilities(): DriverCapabilities {
    return this.caps;
  }

  /** The guest of `instance` (known or found on disk); InstanceNotFound when it has no files here. */
  private guest(instance: InstanceDTO, mustExist = true): Guest {
    let g = this.guests.get(instance.uuid);
    if (!g) {
      g = new Guest(instancePaths(this.instancesPath, instance.uuid), usageOf(instance), this.log);
      if (!g.exists && !g.running) {
        if (mustExist) throw InstanceNotFound.of(instance.uuid);
        return g;
      }
      this.guests.set(instance.uuid, g);
    }
    return g;
  }

  private async spiceWanted(): Promise<boolean> {
    return this.conf.qemu.spice_enabled && (await qemuHasSpice(this.binary));
  }

  /** Start QEMU for the guest; resolves once QMP answers (not when the guest has booted). */
  private async launch(instance: InstanceDTO, g: Guest, incoming: boolean | 'live'): Promise<void> {
    const p = g.paths;
    trimConsoleLog(p.consoleLog, this.conf.qemu.console_log_max_bytes);
    const nics = tapNics(instance.network_info);
    await plugTaps(nics);
    const args = buildQemuArgs({
      accel: this.accel.accel,
      tbSizeMb: this.conf.qemu.tb_size,
      machine: this.conf.qemu.machine_type,
      name: instanceName(this.conf.DEFAULT.instance_name_template, instance.id, instance.uuid),
      uuid: instance.uuid,
      memoryMb: instance.memory_mb,
      vcpus: instance.vcpus,
      mac: macFromUuid(instance.uuid),
      nics,
      paths: p,
      vnc: this.conf.vnc.enabled,
      spice: await this.spiceWanted(),
      incoming,
      configDrive: fs.existsSync(p.configDrive),
      rescue: rescueLayout(p),
      rootVolume: volumeArgs(g, 'root', this.volumeOptions),
      volumes: volumeArgs(g, 'others', this.volumeOptions),
      ...(await tcpConsoles(this.conf, g.paths, this.instancesPath)),
    });
    g.attach(await startQemu(this.binary, args, p, this.conf.qemu.start_timeout * 1000));
    g.usage = usageOf(instance);
    this.log.info({ instance: instance.uuid, incoming }, 'QEMU started');
  }

  /**
   * Build a config drive into `file` (`disk.config`; `disk.config.rescue`
   * in rescue) when the instance gets one (Nova's libvirt
   * _create_configdrive); true when built. Every later start attaches it
   * again because the file is there; destroy removes it with the directory.
   */
  private async createConfigDrive(instance: InstanceDTO, file: string, adminPassword: string | null, imageProperties: Record<string, string>): Promise<boolean> {
    const built = await writeConfigDrive(this.conf, instance, file, adminPassword, imageProperties);
    if (!built) return false;
    this.log.info({ instance: instance.uuid, ...built }, 'config drive built');
    return true;
  }

  /** Cold boot: drop any saved state and start QEMU on the existing overlay. */
  private async coldBoot(instance: InstanceDTO, g: Guest): Promise<void> {
    await g.stop();
    fs.rmSync(g.paths.state, { force: true });
    await this.launch(instance, g, false);
  }

  async initHost(host: string, instances: readonly InstanceDTO[]): Promise<void> {
    fs.mkdirSync(this.instancesPath, { recursive: true });
    const spice = await this.spiceWanted();
    if (spice !== this.caps.supports_spice_console) {
      this.caps = { ...this.caps, supports_spice_console: spice };
      this.log.info({ binary: this.binary }, `${this.binary} has no SPICE support: no SPICE consoles on this host`);
    }
    reapExports(this.instancesPath, this.conf.qemu.cold_migration_export_timeout, (dir, inMs) => this.expireExport(dir, inMs));
    let adopted = 0;
    for (const inst of instances) {
      const g = new Guest(instancePaths(this.instancesPath, inst.uuid), usageOf(inst), this.log);
      if (g.findProcess(true) !== null) {
        try {
          const status = await (await g.qmp()).queryStatus();
          adopted++;
          this.log.info({ instance: inst.uuid, status }, 'adopted a running guest');
        } catch (e) {
          this.log.warn({ instance: inst.uuid, err: (e as Error).message }, 'a QEMU runs for this instance but its QMP socket does not answer');
        }
      }
      if (g.exists || g.running) this.guests.set(inst.uuid, g);
    }
    this.log.info({ host, adopted, known: this.guests.size }, 'qemu driver initialised');
  }

  async getAvailableResource(): Promise<HostResources> {
    const used = { vcpus: 0, memoryMb: 0, diskGb: 0 };
    for (const g of this.guests.values()) {
      used.vcpus += g.usage.vcpus;
      used.memoryMb += g.usage.memoryMb;
      used.diskGb += g.usage.diskGb;
    }
    const hypervisorVersion = await qemuVersion(this.binary);
    return hostResources({ hostname: this.opts.host, instancesPath: this.instancesPath, hypervisorVersion }, used);
  }

  async listInstances(): Promise<string[]> {
    return [...new Set([...this.guests.keys(), ...instanceDirs(this.instancesPath)])];
  }

  spawn(instance: InstanceDTO, opts: SpawnOptions): Promise<void> {
    return this.lock.run(instance.uuid, async () => {
      const g = this.guest(instance, false);
      if (g.running) throw new HypervisorError(`instance ${instance.uuid} already runs on this host`, { uuid: instance.uuid });
      const volumes = opts.blockDeviceInfo?.block_device_mapping ?? [];
      const fromVolume = volumes.some((v) => v.boot_index === 0);
      const imageId = opts.image.id || instance.image_ref;
      if (!imageId && !fromVolume) throw new HypervisorError('the qemu driver boots from an image or a root volume; this instance has neither', { uuid: instance.uuid });
      opts.onProgress?.(5);
      fs.mkdirSync(g.paths.dir, { recursive: true, mode: 0o750 });
      const p = g.paths;
      for (const f of [p.disk, p.configDrive, p.state, p.consoleLog, p.rescueDisk, p.rescueConfigDrive, p.rescueMarker]) fs.rmSync(f, { force: true });
      setSpawnVolumes(g, volumes);
      await this.createConfigDrive(instance, p.configDrive, opts.adminPassword, opts.image.properties);
      if (!fromVolume) {
        const base = await this.images.ensureBase(currentContext() ?? adminContext(), imageId);
        opts.onProgress?.(60);
        await createOverlay(this.conf.qemu.qemu_img, base, g.paths.disk, instance.root_gb);
      }
      this.guests.set(instance.uuid, g);
      opts.onProgress?.(80);
      await this.launch(instance, g, false);
      opts.onProgress?.(100);
    });
  }

  destroy(instance: InstanceDTO): Promise<void> {
    return this.lock.run(instance.uuid, async () => {
      const g = this.guests.get(instance.uuid) ?? new Guest(instancePaths(this.instancesPath, instance.uuid), usageOf(instance), this.log);
      g.findProcess(true);
      await g.stop();
      await unplugTaps(tapNics(instance.network_info));
      fs.rmSync(g.paths.dir, { recursive: true, force: true });
      this.guests.delete(instance.uuid);
      this.log.info({ instance: instance.uuid }, 'instance destroyed');
    });
  }

  reboot(instance: InstanceDTO, type: RebootType): Promise<void> {
    return this.lock.run(instance.uuid, async () => {
      const g = this.guest(instance);
      if (type === 'SOFT' && (await g.status()) === 'running') {
        const timeoutMs = this.conf.qemu.shutdown_timeout * 1000;
        if (await g.powerdown(timeoutMs)) return this.launch(instance, g, false);
        this.log.warn({ instance: instance.uuid, timeout: this.conf.qemu.shutdown_timeout }, 'the guest did not shut down for a soft reboot; rebooting hard');
      }
      await this.hardReboot(instance, g);
    });
  }

  private async hardReboot(instance: InstanceDTO, g: Guest): Promise<void> {
    const status = await g.status().catch(() => null);
    if (status === null || status === 'inmigrate' || status === 'postmigrate' || status === 'shutdown') return this.coldBoot(instance, g);
    const qmp = await g.qmp();
    await qmp.execute('system_reset');
    if (status !== 'running') await qmp.execute('cont');
  }

  powerOff(instance: InstanceDTO, timeoutSec: number): Promise<void> {
    return this.lock.run(instance.uuid, async () => {
      const g = this.guest(instance);
      fs.rmSync(g.paths.state, { force: true });
      if (!g.running) return;
      if (timeoutSec > 0 && (await g.status()) === 'running' && (await g.powerdown(timeoutSec * 1000))) return;
      await g.stop();
    });
  }

  powerOn(instance: InstanceDTO): Promise<void> {
    return this.lock.run(instance.uuid, async () => {
      const g = this.guest(instance);
      if ((await g.status()) === 'running') return;
      await this.coldBoot(instance, g);
    });
  }

  pause(instance: InstanceDTO): Promise<void> {
    return this.lock.run(instance.uuid, async () => void (await (await this.guest(instance).qmp()).execute('stop')));
  }

  unpause(instance: InstanceDTO): Promise<void> {
    return this.lock.run(instance.uuid, async () => void (await (await this.guest(instance).qmp()).execute('cont')));
  }

  suspend(instance: InstanceDTO): Promise<void> {
    return this.lock.run(instance.uuid, async () => {
      const g = this.guest(instance);
      if (!g.running && g.hasSavedState) return;
      await saveGuest(g, this.conf.qemu.migrate_timeout * 1000);
      this.log.info({ instance: instance.uuid }, 'instance suspended to its state file');
    });
  }

  resume(instance: InstanceDTO): Promise<void> {
    return this.lock.run(instance.uuid, async () => {
      const g = this.guest(instance);
      const status = await g.status();
      if (status === 'running') return;
      if (status !== null) return void (await (await g.qmp()).execute('cont'));
      if (!g.hasSavedState) {
        this.log.warn({ instance: instance.uuid }, 'no saved state to resume from; booting the guest');
        return this.launch(instance, g, false);
      }
      await this.launch(instance, g, true);
      try {
        await loadGuest(g, this.conf.qemu.migrate_timeout * 1000);
      } catch (e) {
        await g.stop();
        throw e;
      }
      this.log.info({ instance: instance.uuid }, 'instance resumed from its state file');
    });
  }

  async getInfo(instance: InstanceDTO): Promise<InstanceInfo> {
    const g = this.guest(instance);
    let status: string | null;
    try {
      status = await g.status();
    } catch (e) {
      this.log.warn({ instance: instance.uuid, err: (e as Error).message }, 'QEMU runs but does not answer query-status');
      return { state: PowerState.NOSTATE };
    }
    return { state: powerStateOf(status, g.hasSavedState) };
  }

  async getConsoleOutput(instance: InstanceDTO, maxLines?: number): Promise<string> {
    const q = this.conf.qemu;
    return readConsoleLog(this.guest(instance).paths.consoleLog, q.console_log_max_bytes, maxLines ?? (q.console_log_lines || undefined));
  }

  private endpoint(g: Guest, kind: 'vnc' | 'serial' | 'spice'): ConsoleEndpoint {
    if (!g.running) throw new InstanceNotRunning(`Instance ${g.uuid} is not running.`, { instance_uuid: g.uuid });
    return consoleEndpoint(this.conf, g.paths, kind);
  }

  async getVncConsole(instance: InstanceDTO): Promise<ConsoleEndpoint> {
    if (!this.conf.vnc.enabled) throw ConsoleTypeUnavailable.of('novnc');
    return this.endpoint(this.guest(instance), 'vnc');
  }

  async getSerialConsole(instance: InstanceDTO): Promise<ConsoleEndpoint> {
    return this.endpoint(this.guest(instance), 'serial');
  }

  async getSpiceConsole(instance: InstanceDTO): Promise<ConsoleEndpoint> {
    if (!(await this.spiceWanted())) throw ConsoleTypeUnavailable.of('spice-html5');
    const g = this.guest(instance);
    if (g.running && this.conf.qemu.console_listen !== 'tcp' && !fs.existsSync(g.paths.spice)) throw ConsoleTypeUnavailable.of('spice-html5');
    return this.endpoint(g, 'spice');
  }

  // Host operations and figures (qemu/diagnostics.ts); no host power actions, as Nova's libvirt driver.
  async getDiagnostics(instance: InstanceDTO): Promise<DriverDiagnostics> {
    const g = this.guest(instance);
    const configDrive = fs.existsSync(g.paths.configDrive);
    const mac = guestMac(instance.network_info, macFromUuid(instance.uuid));
    return qemuDiagnostics({ qmp: await g.qmp(), pid: g.findProcess(), instance, mac, hypervisor: this.accel.accel, configDrive });
  }
  getHostUptime(): Promise<string> {
    return hostUptime();
  }
  async cacheImage(imageId: string): Promise<boolean> {
    const had = fs.existsSync(basePath(this.instancesPath, imageId));
    await this.images.ensureBase(currentContext() ?? adminContext(), imageId);
    return !had;
  }
  attachInterface(instance: InstanceDTO, vif: VifInfo): Promise<void> {
    return this.lock.run(instance.uuid, () => attachNic(this.guest(instance), vif, this.log));
  }
  detachInterface(instance: InstanceDTO, vif: VifInfo): Promise<void> {
    return this.lock.run(instance.uuid, () => detachNic(this.guest(instance), vif, detachPolicy(this.conf), this.log));
  }
  attachVolume(instance: InstanceDTO, volume: DriverVolume): Promise<void> {
    return this.lock.run(instance.uuid, () => attachVolume(this.guest(instance), volume, this.volumeOptions, this.log));
  }
  detachVolume(instance: InstanceDTO, volume: DriverVolume): Promise<void> {
    return this.lock.run(instance.uuid, () => detachVolume(this.guest(instance), volume, detachPolicy(this.conf), this.log));
  }
  /** nova-compute stops: close QMP connections, leave the guests running. */
  async cleanupHost(): Promise<void> {
    this.clearExportTimers();
    for (const g of this.guests.values()) g.closeQmp();
    this.guests.clear();
  }
}
