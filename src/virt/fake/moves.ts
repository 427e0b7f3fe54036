/**
 * The fake driver's moves and images: a cold move powers the source guest
 * off and keeps it aside until the move is confirmed (dropped) or reverted
 * (brought back); the destination sets the guest up anew. A live migration
 * takes `[fake] live_migration_ms` and can be forced to complete or aborted
 * meanwhile; the guest leaves the source when it is done and the
 * destination takes it in post_live_migration_at_destination. The guest's
 * disks at the destination are the volumes of the block device info that
 * host was given (finish_migration, pre_live_migration). Snapshots are
 * a few bytes of real image data.
 *
 * Failure injection for tests: instance metadata `fake_move_fail` names the
 * driver step that fails (`migrate_disk_and_power_off`, `finish_migration`,
 * `pre_live_migration`, `live_migration`), on whichever host runs it.
 */
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { InstanceNotFound } from '../../exception/instance.ts';
import { HypervisorError } from '../../exception/virt.ts';
import type { InstanceDTO } from '../../objects/instance.ts';
import { PowerState } from '../../objects/states.ts';
import type { BlockDeviceInfo } from '../driver.ts';
import type { DiskInfo, ImageSink, LiveMigrateData, LiveMigrationProgress, MoveTarget } from '../driver-moves.ts';
import { disksOf } from './hotplug.ts';
import type { FakeGuest, FakeHypervisor } from './hypervisor.ts';

export interface FakeMoveDeps {
  readonly host: string;
  readonly hypervisor: FakeHypervisor;
  /** How long a live migration runs unless forced to complete. */
  readonly liveMigrationMs: number;
  /** The guest record of an instance as spawned with its current flavor. */
  guestOf(instance: InstanceDTO, state: PowerState): FakeGuest;
}

/** The move step an instance's `fake_move_fail` metadata makes fail. */
export type FakeMoveStep = 'migrate_disk_and_power_off' | 'finish_migration' | 'pre_live_migration' | 'live_migration';

function injected(d: FakeMoveDeps, instance: InstanceDTO, step: FakeMoveStep): void {
  if (instance.metadata.fake_move_fail === step) throw new HypervisorError(`fake driver: injected ${step} failure on ${d.host}`);
}

function guest(d: FakeMoveDeps, instance: InstanceDTO): FakeGuest {
  const g = d.hypervisor.guests.get(instance.uuid);
  if (!g) throw InstanceNotFound.of(instance.uuid);
  return g;
}

export function migrateDiskAndPowerOff(d: FakeMoveDeps, instance: InstanceDTO, target: MoveTarget): DiskInfo {
  const g = guest(d, instance);
  injected(d, instance, 'migrate_disk_and_power_off');
  d.hypervisor.guests.delete(instance.uuid);
  d.hypervisor.resizeSources.set(instance.uuid, { ...g, state: PowerState.SHUTDOWN });
  d.hypervisor.save();
  return { source_host: d.host, target_host: target.host, console: g.console.join('\n') };
}

export function finishMigration(d: FakeMoveDeps, instance: InstanceDTO, disk: DiskInfo, powerOn: boolean, bdi: BlockDeviceInfo | undefined): void {
  d.hypervisor.recordBlockDevices('finish_migration', instance.uuid, bdi);
  injected(d, instance, 'finish_migration');
  const g = d.guestOf(instance, powerOn ? PowerState.RUNNING : PowerState.SHUTDOWN);
  g.disks = disksOf(bdi);
  const console = typeof disk.console === 'string' ? disk.console.split('\n') : [];
  g.console = [...console, `moved from ${String(disk.source_host)} to ${d.host}`];
  d.hypervisor.guests.set(instance.uuid, g);
  d.hypervisor.save();
}

export function confirmMigration(d: FakeMoveDeps, instance: InstanceDTO): void {
  d.hypervisor.resizeSources.delete(instance.uuid);
}

export function finishRevertMigration(d: FakeMoveDeps, instance: InstanceDTO, powerOn: boolean, bdi: BlockDeviceInfo | undefined): void {
  d.hypervisor.recordBlockDevices('finish_revert_migration', instance.uuid, bdi);
  const kept = d.hypervisor.resizeSources.get(instance.uuid);
  d.hypervisor.resizeSources.delete(instance.uuid);
  // The guest as it was (or, after a restart lost what was kept, anew with the instance's old flavor).
  const g = kept ?? d.guestOf(instance, PowerState.SHUTDOWN);
  g.state = powerOn ? PowerState.RUNNING : PowerState.SHUTDOWN;
  // With this host's connection info given, the guest has those volumes (else the ones it kept).
  if (bdi) g.disks = disksOf(bdi);
  g.console.push(`resize reverted on ${d.host}`);
  d.hypervisor.guests.set(instance.uuid, g);
  d.hypervisor.save();
}

export function preLiveMigration(d: FakeMoveDeps, instance: InstanceDTO, blockMigration: boolean, bdi: BlockDeviceInfo | undefined): LiveMigrateData {
  d.hypervisor.recordBlockDevices('pre_live_migration', instance.uuid, bdi);
  injected(d, instance, 'pre_live_migration');
  return { target_host: d.host, block_migration: blockMigration };
}

export async function liveMigration(d: FakeMoveDeps, instance: InstanceDTO, target: MoveTarget, onProgress: (p: LiveMigrationProgress) => void): Promise<void> {
  const g = guest(d, instance);
  if (g.state !== PowerState.RUNNING && g.state !== PowerState.PAUSED) throw new HypervisorError(`instance ${instance.uuid} is not running: it cannot be live migrated`);
  const run = { finish: null as 'complete' | 'abort' | null };
  d.hypervisor.liveMigrations.set(instance.uuid, run);
  const total = g.memoryMb * 1024 * 1024;
  const steps = 10;
  try {
    for (let i = 1; i <= steps && run.finish === null; i++) {
      await sleep(d.liveMigrationMs / steps);
      const done = Math.round((total * i) / steps);
      onProgress({ memory_total: total, memory_processed: done, memory_remaining: total - done, disk_total: 0, disk_processed: 0, disk_remaining: 0 });
    }
    if (run.finish === null) injected(d, instance, 'live_migration');
    if (run.finish === 'abort') throw new HypervisorError(`live migration of ${instance.uuid} to ${target.host} was aborted`);
    d.hypervisor.guests.delete(instance.uuid);
    d.hypervisor.save();
  } finally {
    d.hypervisor.liveMigrations.delete(instance.uuid);
  }
}

export function postLiveMigrationAtDestination(d: FakeMoveDeps, instance: InstanceDTO): void {
  const g = d.guestOf(instance, PowerState.RUNNING);
  // The volumes it was prepared with (pre_live_migration's block device info, this host's connections).
  g.disks = disksOf(d.hypervisor.blockDevices.get(instance.uuid)?.pre_live_migration);
  g.console.push(`live migrated to ${d.host}`);
  d.hypervisor.guests.set(instance.uuid, g);
  d.hypervisor.save();
}

export function finishLiveMigration(d: FakeMoveDeps, instance: InstanceDTO, how: 'complete' | 'abort'): void {
  const run = d.hypervisor.liveMigrations.get(instance.uuid);
  if (!run) throw new HypervisorError(`no live migration of ${instance.uuid} runs on ${d.host}`);
  run.finish = how;
}

/** A snapshot: a few bytes of image data. Instance metadata `fake_snapshot_fail = true` makes it fail (failure injection for tests). */
export async function snapshot(d: FakeMoveDeps, instance: InstanceDTO, sink: ImageSink): Promise<void> {
  guest(d, instance);
  if (instance.metadata.fake_snapshot_fail === 'true') throw new HypervisorError(`fake driver: injected snapshot failure on ${d.host}`);
  await sink.upload(Readable.from([Buffer.from(`fake snapshot of ${instance.uuid} on ${d.host}\n`)]), 'raw');
}
