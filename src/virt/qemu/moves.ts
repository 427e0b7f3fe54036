/**
 * The QEMU driver's moves and images (driver-moves.ts), one module per
 * operation: cold moves in migrate-cold.ts, live migration in
 * migrate-live.ts (source) and live-incoming.ts (destination), snapshots
 * in snapshot.ts, rescue in rescue.ts. The driver extends this class and
 * supplies the QemuContext (its guests, image cache and launcher).
 * Operations on one guest take the driver's per-guest lock, except force
 * complete and abort, which act on a live migration holding it.
 */
import { DriverNotSupported, HypervisorError } from '../../exception/virt.ts';
import type { InstanceDTO } from '../../objects/instance.ts';
import type { ImageMeta } from '../../objects/request-spec.ts';
import type { BlockDeviceInfo } from '../driver.ts';
import type { DiskInfo, ImageOperations, ImageSink, LiveMigrateData, LiveMigrationProgress, MoveOperations, MoveTarget } from '../driver-moves.ts';
import type { QemuContext } from './context.ts';
import * as incoming from './live-incoming.ts';
import type { KeyedLock } from './lock.ts';
import * as cold from './migrate-cold.ts';
import { applyForce, type LiveRun, liveMigration } from './migrate-live.ts';
import { stopExport } from './nbd.ts';
import { resizeDir } from './paths.ts';
import * as rescue from './rescue.ts';
import { snapshotGuest } from './snapshot.ts';

export abstract class QemuMoves implements MoveOperations, ImageOperations {
  /** The live migrations running from this host, by instance uuid. */
  private readonly liveRuns = new Map<string, LiveRun>();
  /** Timers that end cold-move exports, by the kept directory. */
  private readonly exportTimers = new Map<string, NodeJS.Timeout>();

  protected abstract readonly lock: KeyedLock;
  /** What the move modules use of the driver. */
  protected abstract readonly context: QemuContext;

  /** End the export of a kept directory in `inMs` (driver start and new cold moves arrange it). */
  protected expireExport(dir: string, inMs: number): void {
    clearTimeout(this.exportTimers.get(dir));
    const timer = setTimeout(() => {
      this.exportTimers.delete(dir);
      stopExport(dir).catch((e: unknown) => this.context.log.warn({ dir, err: String(e) }, 'could not stop a cold-move export'));
    }, inMs);
    timer.unref();
    this.exportTimers.set(dir, timer);
  }

  /** Stop the timers (nova-compute stops; the exports keep running until the next start reaps them). */
  protected clearExportTimers(): void {
    for (const t of this.exportTimers.values()) clearTimeout(t);
    this.exportTimers.clear();
  }

  migrateDiskAndPowerOff(instance: InstanceDTO, target: MoveTarget, timeoutSec: number): Promise<DiskInfo> {
    return this.lock.run(instance.uuid, async () => {
      const info = await cold.migrateDiskAndPowerOff(this.context, instance, target, timeoutSec);
      if (info.same_host === false) {
        const ctx = this.context;
        this.expireExport(resizeDir(ctx.handle(instance).paths), ctx.conf.qemu.cold_migration_export_timeout * 1000);
      }
      return info;
    });
  }

  finishMigration(instance: InstanceDTO, disk: DiskInfo, _image: ImageMeta, powerOn: boolean, blockDeviceInfo?: BlockDeviceInfo): Promise<void> {
    return this.lock.run(instance.uuid, () => cold.finishMigration(this.context, instance, disk, powerOn, blockDeviceInfo));
  }

  confirmMigration(instance: InstanceDTO): Promise<void> {
    return this.lock.run(instance.uuid, () => cold.confirmMigration(this.context, instance));
  }

  finishRevertMigration(instance: InstanceDTO, powerOn: boolean, blockDeviceInfo?: BlockDeviceInfo): Promise<void> {
    return this.lock.run(instance.uuid, () => cold.finishRevertMigration(this.context, instance, powerOn, blockDeviceInfo));
  }

  preLiveMigration(instance: InstanceDTO, _blockMigration: boolean, blockDeviceInfo?: BlockDeviceInfo): Promise<LiveMigrateData> {
    // Instance directories are never shared between hosts here: every live migration copies the disk (never the volumes).
    return this.lock.run(instance.uuid, () => incoming.preLiveMigration(this.context, instance, blockDeviceInfo));
  }

  liveMigration(instance: InstanceDTO, target: MoveTarget, data: LiveMigrateData, onProgress: (p: LiveMigrationProgress) => void): Promise<void> {
    return this.lock.run(instance.uuid, async () => {
      if (this.liveRuns.has(instance.uuid)) throw new HypervisorError(`a live migration of ${instance.uuid} already runs`);
      const run: LiveRun = { abort: false, force: false, qmp: null, postCopy: false, forced: false };
      this.liveRuns.set(instance.uuid, run);
      try {
        await liveMigration(this.context, instance, target, data, run, onProgress);
      } finally {
        this.liveRuns.delete(instance.uuid);
      }
    });
  }

  postLiveMigrationAtDestination(instance: InstanceDTO): Promise<void> {
    return this.lock.run(instance.uuid, () => incoming.postLiveMigrationAtDestination(this.context, instance));
  }

  rollbackLiveMigrationAtDestination(instance: InstanceDTO): Promise<void> {
    return this.lock.run(instance.uuid, () => incoming.rollbackLiveMigrationAtDestination(this.context, instance));
  }

  private liveRun(instance: InstanceDTO): LiveRun {
    const run = this.liveRuns.get(instance.uuid);
    if (!run) throw new HypervisorError(`no live migration of ${instance.uuid} runs on ${this.context.host}`, { uuid: instance.uuid });
    return run;
  }

  async liveMigrationForceComplete(instance: InstanceDTO): Promise<void> {
    const run = this.liveRun(instance);
    run.force = true;
    await applyForce(run);
  }

  async liveMigrationAbort(instance: InstanceDTO): Promise<void> {
    const run = this.liveRun(instance);
    run.abort = true;
    await run.qmp?.execute('migrate_cancel');
  }

  snapshot(instance: InstanceDTO, sink: ImageSink): Promise<void> {
    return this.lock.run(instance.uuid, () => {
      const ctx = this.context;
      const q = ctx.conf.qemu;
      return snapshotGuest(ctx.guest(instance), { qemuImg: q.qemu_img, directory: q.snapshots_directory, timeoutMs: q.migrate_timeout * 1000 }, sink);
    });
  }

  rescue(instance: InstanceDTO, image: ImageMeta, adminPassword: string | null): Promise<void> {
    return this.lock.run(instance.uuid, () => rescue.rescue(this.context, instance, this.context.guest(instance), image, adminPassword));
  }

  unrescue(instance: InstanceDTO): Promise<void> {
    return this.lock.run(instance.uuid, () => rescue.unrescue(this.context, instance, this.context.guest(instance)));
  }

  async setAdminPassword(_instance: InstanceDTO, _password: string): Promise<void> {
    // Nova's libvirt driver needs the QEMU guest agent for this; these guests have none.
    throw new DriverNotSupported('The QEMU driver cannot set an admin password: the guest has no agent.');
  }

  injectNmi(instance: InstanceDTO): Promise<void> {
    return this.lock.run(instance.uuid, async () => void (await (await this.context.guest(instance).qmp()).execute('inject-nmi')));
  }
}
