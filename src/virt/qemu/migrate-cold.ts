/**
 * Cold moves (resize and cold migration), as Nova's libvirt driver does
 * them without shared storage:
 *
 * - the source powers the guest off (ACPI within the timeout, then hard),
 *   sets its directory aside as `<uuid>_resize` and serves the files in it
 *   (the qcow2 overlay, the config drive, the base image as a fallback)
 *   over NBD with TLS-PSK (nbd.ts) until the move is confirmed or
 *   reverted, or `[qemu] cold_migration_export_timeout` passes;
 * - the destination copies the overlay, puts it on its own cached copy of
 *   the base image (fetched from the image service; from the source when
 *   the image service no longer has it, as Nova's fallback_from_host),
 *   copies the config drive, grows the disk to the new flavor and boots the
 *   guest with the new flavor's vCPUs and memory;
 * - confirm drops `<uuid>_resize`; revert moves it back and boots it.
 *
 * On the same host (`[DEFAULT] allow_resize_to_same_host`) the files are
 * copied locally instead.
 *
 * Volumes are not copied (volume-moves.ts): the destination builds the
 * guest with the block device info's (its connection info), revert brings
 * back the source's; a guest booted from a volume has no disk to serve.
 */
import fs from 'node:fs';
import path from 'node:path';
import { InstanceNotFound } from '../../exception/instance.ts';
import { ImageNotFound } from '../../exception/resources.ts';
import { HypervisorError } from '../../exception/virt.ts';
import type { InstanceDTO } from '../../objects/instance.ts';
import type { BlockDeviceInfo } from '../driver.ts';
import type { DiskInfo, MoveTarget } from '../driver-moves.ts';
import type { QemuContext } from './context.ts';
import { type DiskFormat, diskInfo, qemuImg } from './images.ts';
import { exportPid, exportPidfile, fetchExport, type NbdExport, startExport, stopExport } from './nbd.ts';
import { baseDir, basePath, resizeDir } from './paths.ts';
import { inboundAddress } from './transport.ts';
import { hasRootVolume, setMoveVolumes } from './volume-moves.ts';
import { bootsFromVolume, guestVolumes } from './volumes.ts';

const GiB = 1024 ** 3;
/** Copies of disks between hosts: generous (a big root disk over a slow link); qemu-img is killed after it. */
const COPY_TIMEOUT_MS = 3_600_000;

/** The image id of a base image path in this host's cache, or null. */
function cachedImageId(instancesPath: string, backing: string | null): string | null {
  if (!backing) return null;
  const resolved = path.resolve(backing);
  return path.dirname(resolved) === baseDir(instancesPath) ? path.basename(resolved) : null;
}

function str(d: DiskInfo, key: string): string | null {
  const v = d[key];
  return typeof v === 'string' && v !== '' ? v : null;
}

/** Source: power off, set the files aside, serve them to `target`. */
export async function migrateDiskAndPowerOff(ctx: QemuContext, instance: InstanceDTO, target: MoveTarget, timeoutSec: number): Promise<DiskInfo> {
  const g = ctx.guest(instance);
  const next = instance.new_flavor ?? instance.flavor;
  if (next.root_gb < instance.root_gb) throw new HypervisorError('Unable to resize disk down.', { uuid: instance.uuid });
  if (fs.existsSync(g.paths.rescueMarker)) throw new HypervisorError(`instance ${instance.uuid} is in rescue; unrescue it before moving it`, { uuid: instance.uuid });
  if (g.running) {
    const clean = timeoutSec > 0 && (await g.status()) === 'running' && (await g.powerdown(timeoutSec * 1000));
    if (!clean) await g.stop();
    ctx.log.info({ instance: instance.uuid, clean }, 'guest powered off for a cold move');
  }
  fs.rmSync(g.paths.state, { force: true });
  const volumes = guestVolumes(g).length;
  const fromVolume = bootsFromVolume(g);
  const disk = fromVolume ? { virtualSize: 0, backingFile: null } : await diskInfo(ctx.conf.qemu.qemu_img, g.paths.disk, 'qcow2');
  const kept = resizeDir(g.paths);
  await stopExport(kept);
  fs.rmSync(kept, { recursive: true, force: true });
  fs.renameSync(g.paths.dir, kept);
  ctx.forget(instance.uuid);
  const imageId = cachedImageId(ctx.instancesPath, disk.backingFile);
  const base = imageId ? basePath(ctx.instancesPath, imageId) : null;
  const info = {
    source_host: ctx.host,
    image_id: imageId,
    base_format: base ? (await diskInfo(ctx.conf.qemu.qemu_img, base)).format : null,
    virtual_size: disk.virtualSize,
    config_drive: fs.existsSync(path.join(kept, path.basename(g.paths.configDrive))),
    volumes,
    boots_from_volume: fromVolume,
  };
  if (target.host === ctx.host) return { ...info, same_host: true };
  const files: Record<string, string> = {};
  if (!fromVolume) files.disk = path.join(kept, path.basename(g.paths.disk));
  if (info.config_drive) files.config = path.join(kept, path.basename(g.paths.configDrive));
  if (base) files.base = base;
  if (!Object.keys(files).length) return { ...info, same_host: false };
  const exp = await startExport({ binary: ctx.conf.qemu.qemu_storage_daemon, dir: kept, files, address: inboundAddress(ctx.conf), range: ctx.conf.qemu.live_migration_port_range });
  ctx.log.info({ instance: instance.uuid, to: target.host, address: exp.address, port: exp.port }, 'serving the disk to the destination');
  return { ...info, same_host: false, address: exp.address, port: exp.port, psk: exp.psk };
}

/** The base image the destination's overlay goes on: this host's cached copy, or a copy from the source. */
async function destinationBase(ctx: QemuContext, disk: DiskInfo, from: NbdExport | null, scratch: string): Promise<{ path: string; format: DiskFormat } | null> {
  const imageId = str(disk, 'image_id');
  if (!imageId) return null;
  try {
    return await ctx.ensureBase(imageId);
  } catch (e) {
    const format = str(disk, 'base_format');
    if (!(e instanceof ImageNotFound) || !from || (format !== 'qcow2' && format !== 'raw')) throw e;
    ctx.log.info({ image: imageId, from: str(disk, 'source_host') }, 'the image service no longer has the image; copying it from the source host');
    const file = basePath(ctx.instancesPath, imageId);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    await fetchExport({ qemuImg: ctx.conf.qemu.qemu_img, from, name: 'base', dest: file, scratch, timeoutMs: COPY_TIMEOUT_MS });
    return { path: file, format };
  }
}

/** Destination: fetch the files, grow the disk to the new flavor, boot when `powerOn`. */
export async function finishMigration(ctx: QemuContext, instance: InstanceDTO, disk: DiskInfo, powerOn: boolean, bdi?: BlockDeviceInfo): Promise<void> {
  const g = ctx.handle(instance);
  if (g.running) throw new HypervisorError(`instance ${instance.uuid} already runs on this host`, { uuid: instance.uuid });
  const bin = ctx.conf.qemu.qemu_img;
  const sameHost = disk.same_host === true;
  const address = str(disk, 'address');
  const port = disk.port;
  const psk = str(disk, 'psk');
  const from: NbdExport | null = !sameHost && address && typeof port === 'number' && psk ? { address, port, psk } : null;
  const fromVolume = disk.boots_from_volume === true;
  if (fromVolume !== hasRootVolume(bdi)) throw new HypervisorError(`the cold move of ${instance.uuid}: its root volume is not in the block device info`, { uuid: instance.uuid });
  const needsFiles = !fromVolume || disk.config_drive === true;
  if (!sameHost && !from && needsFiles) throw new HypervisorError(`the cold move of ${instance.uuid} did not say where its disk is`, { uuid: instance.uuid });
  const volumes = typeof disk.volumes === 'number' ? disk.volumes : 0;
  if (volumes > 0 && !bdi) throw new HypervisorError(`instance ${instance.uuid} has ${volumes} volume(s) but the cold move gave none for this host`, { uuid: instance.uuid });
  fs.rmSync(g.paths.dir, { recursive: true, force: true });
  fs.mkdirSync(g.paths.dir, { recursive: true, mode: 0o750 });
  const scratch = path.join(g.paths.dir, 'move-psk');
  const fetch = async (name: 'disk' | 'config', dest: string) => {
    if (from) return fetchExport({ qemuImg: bin, from, name, dest, scratch, timeoutMs: COPY_TIMEOUT_MS });
    const local = path.join(resizeDir(g.paths), path.basename(dest));
    await qemuImg(bin, ['convert', '-q', '-f', 'raw', '-O', 'raw', local, `${dest}.part`], COPY_TIMEOUT_MS);
    fs.renameSync(`${dest}.part`, dest);
  };
  try {
    const attached = setMoveVolumes(g, bdi);
    if (!fromVolume) {
      const base = await destinationBase(ctx, disk, from, scratch);
      await fetch('disk', g.paths.disk);
      if (base) await qemuImg(bin, ['rebase', '-q', '-u', '-f', 'qcow2', '-F', base.format, '-b', base.path, g.paths.disk]);
      const size = (await diskInfo(bin, g.paths.disk, 'qcow2')).virtualSize;
      if (instance.root_gb * GiB > size) await qemuImg(bin, ['resize', '-q', '-f', 'qcow2', g.paths.disk, String(instance.root_gb * GiB)]);
    }
    if (disk.config_drive === true) await fetch('config', g.paths.configDrive);
    ctx.register(instance, g);
    if (powerOn) await ctx.launch(instance, g);
    ctx.log.info({ instance: instance.uuid, from: str(disk, 'source_host'), vcpus: instance.vcpus, memory_mb: instance.memory_mb, volumes: attached }, 'cold move finished here');
  } catch (e) {
    ctx.forget(instance.uuid);
    await g.stop().catch(() => {});
    fs.rmSync(g.paths.dir, { recursive: true, force: true });
    throw e;
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/** Source: the move is confirmed; drop what was kept. */
export async function confirmMigration(ctx: QemuContext, instance: InstanceDTO): Promise<void> {
  const kept = resizeDir(ctx.handle(instance).paths);
  await stopExport(kept);
  fs.rmSync(kept, { recursive: true, force: true });
}

/** Source: the move is reverted (or failed); the kept guest comes back with the old flavor, booted when `powerOn`. */
export async function finishRevertMigration(ctx: QemuContext, instance: InstanceDTO, powerOn: boolean, bdi?: BlockDeviceInfo): Promise<void> {
  const g = ctx.handle(instance);
  const kept = resizeDir(g.paths);
  if (fs.existsSync(kept)) {
    await stopExport(kept);
    await g.stop();
    fs.rmSync(g.paths.dir, { recursive: true, force: true });
    fs.renameSync(kept, g.paths.dir);
  }
  if (!g.exists && !g.running) throw InstanceNotFound.of(instance.uuid);
  ctx.register(instance, g);
  const status = await g.status();
  // The source's volumes with its (new) connection info; a guest still running here keeps the connections it has until its next start.
  setMoveVolumes(g, bdi);
  if (powerOn && status !== 'running') {
    if (status !== null) await g.stop();
    await ctx.launch(instance, g);
  } else if (!powerOn && status !== null) {
    await g.stop();
  }
}

/**
 * At start: end the exports of cold moves older than `timeoutSec`, and
 * arrange for the others to end when theirs is up (`stop` is called then).
 */
export function reapExports(instancesPath: string, timeoutSec: number, stop: (dir: string, inMs: number) => void): void {
  const root = path.resolve(instancesPath);
  const names = fs.existsSync(root) ? fs.readdirSync(root) : [];
  for (const name of names.filter((n) => n.endsWith('_resize'))) {
    const dir = path.join(root, name);
    if (exportPid(dir) === null) continue;
    const age = Date.now() - (fs.statSync(exportPidfile(dir), { throwIfNoEntry: false })?.mtimeMs ?? 0);
    stop(dir, Math.max(0, timeoutSec * 1000 - age));
  }
}
