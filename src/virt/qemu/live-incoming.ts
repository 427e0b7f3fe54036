/**
 * The destination of a live migration: pre_live_migration makes the
 * guest's disk (a new overlay on this host's copy of the base image, as
 * big as the source's), its config drive (built again: the admin password
 * given at boot is not kept), and starts QEMU with `-incoming defer`
 * listening on a port of `[qemu] live_migration_port_range` at the move
 * address, plus QEMU's NBD server exporting the new disk for the source
 * to mirror its disk into (block migration). Both are TLS-PSK with a key
 * made here and handed to the source in the migrate data. The guest runs
 * here as soon as the migration completes (in the run state the source
 * had); post_live_migration_at_destination stops the NBD server,
 * rollback stops QEMU and removes the files.
 *
 * Volumes (volume-moves.ts) come from the block device info with this
 * host's connection info: QEMU starts connected to them, they are not
 * copied; a guest booted from a volume has no disk to make or export.
 */
import fs from 'node:fs';
import path from 'node:path';
import { HypervisorError } from '../../exception/virt.ts';
import type { InstanceDTO } from '../../objects/instance.ts';
import type { BlockDeviceInfo } from '../driver.ts';
import type { LiveMigrateData } from '../driver-moves.ts';
import type { QemuContext } from './context.ts';
import type { Guest } from './guest.ts';
import { createOverlay } from './images.ts';
import type { QmpClient } from './qmp.ts';
import { addressInUse, inboundAddress, newPsk, pickPort, pskObject, uriHost, writePskDir } from './transport.ts';
import { hasRootVolume, pciLayout, setMoveVolumes } from './volume-moves.ts';

/** The QMP ids a live migration uses on both ends. */
export const MOVE_TLS = 'nova-move-tls';
export const MOVE_DISK = 'nova-move-disk0';

const pskDirOf = (g: Guest) => path.join(g.paths.dir, 'migrate-psk');

/** The node name of the guest's disk0 (the export names a node, not a device). */
async function diskNode(qmp: QmpClient): Promise<string> {
  const blocks = await qmp.execute('query-block');
  const list = Array.isArray(blocks) ? blocks : [];
  for (const b of list) {
    if (b && typeof b === 'object' && 'device' in b && b.device === 'disk0' && 'inserted' in b) {
      const ins: unknown = b.inserted;
      if (ins && typeof ins === 'object' && 'node-name' in ins && typeof ins['node-name'] === 'string') return ins['node-name'];
    }
  }
  throw new HypervisorError('the incoming guest has no disk0');
}

/** Forget a move's key in QEMU (so the next move can add its own under the same id). */
export async function dropMoveKey(qmp: QmpClient): Promise<void> {
  await qmp.execute('migrate-set-parameters', { 'tls-creds': '' }).catch(() => {});
  await qmp.execute('object-del', { id: MOVE_TLS }).catch(() => {});
}

/** Run `listen` on picked ports until one was free. */
async function onFreePort(address: string, range: string, listen: (port: number) => Promise<unknown>): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const port = await pickPort(address, range);
    try {
      await listen(port);
      return port;
    } catch (e) {
      if (!addressInUse(e) || attempt >= 5) throw e;
    }
  }
}

export async function preLiveMigration(ctx: QemuContext, instance: InstanceDTO, bdi?: BlockDeviceInfo): Promise<LiveMigrateData> {
  const g = ctx.handle(instance);
  if (g.running) throw new HypervisorError(`instance ${instance.uuid} already runs on this host`, { uuid: instance.uuid });
  const q = ctx.conf.qemu;
  fs.rmSync(g.paths.dir, { recursive: true, force: true });
  fs.mkdirSync(g.paths.dir, { recursive: true, mode: 0o750 });
  const fromVolume = hasRootVolume(bdi);
  try {
    const volumes = setMoveVolumes(g, bdi);
    if (!fromVolume) {
      const base = await ctx.ensureBase(instance.image_ref);
      await createOverlay(q.qemu_img, base, g.paths.disk, instance.root_gb);
    }
    const configDrive = await ctx.buildConfigDrive(instance, g.paths.configDrive, null, await ctx.imageProperties(instance.image_ref));
    // The driver knows the guest from now on: it holds the guest's QMP connection (QEMU serves one client per socket).
    ctx.register(instance, g);
    await ctx.launch(instance, g, 'live');
    const qmp = await g.qmp();
    const psk = newPsk();
    await dropMoveKey(qmp);
    await qmp.execute('object-add', pskObject(MOVE_TLS, writePskDir(pskDirOf(g), psk), 'server'));
    const postCopy = q.live_migration_permit_post_copy;
    const tls = q.live_migration_with_native_tls;
    await qmp.execute('migrate-set-capabilities', {
      capabilities: [
        { capability: 'events', state: true },
        { capability: 'postcopy-ram', state: postCopy },
      ],
    });
    await qmp.execute('migrate-set-parameters', { 'tls-creds': tls ? MOVE_TLS : '' });
    const address = inboundAddress(ctx.conf);
    const port = await onFreePort(address, q.live_migration_port_range, (p) => qmp.execute('migrate-incoming', { uri: `tcp:${uriHost(address)}:${p}` }));
    // Only the guest's own disk is copied (the source mirrors it into this export); volumes are reached where they are.
    let nbdPort: number | null = null;
    if (!fromVolume) {
      const node = await diskNode(qmp);
      nbdPort = await onFreePort(address, q.live_migration_port_range, (p) =>
        qmp.execute('nbd-server-start', { addr: { type: 'inet', data: { host: address, port: String(p) } }, 'tls-creds': MOVE_TLS }),
      );
      await qmp.execute('block-export-add', { type: 'nbd', id: MOVE_DISK, 'node-name': node, name: 'disk0', writable: true });
    }
    const layout = await pciLayout(qmp);
    ctx.log.info({ instance: instance.uuid, address, port, nbd_port: nbdPort, tls, post_copy: postCopy, volumes, pci_layout: layout }, 'waiting for the incoming live migration');
    return {
      target_host: ctx.host,
      address,
      port,
      nbd_port: nbdPort,
      psk,
      tls,
      post_copy: postCopy,
      config_drive: configDrive,
      block_migration: !fromVolume,
      volumes,
      pci_layout: layout,
    };
  } catch (e) {
    await g.stop().catch(() => {});
    ctx.forget(instance.uuid);
    fs.rmSync(g.paths.dir, { recursive: true, force: true });
    throw e;
  }
}

export async function postLiveMigrationAtDestination(ctx: QemuContext, instance: InstanceDTO): Promise<void> {
  const g = ctx.handle(instance);
  if (!(await g.waitStatus((s) => s !== 'inmigrate', 30_000)))
    throw new HypervisorError(`the guest of ${instance.uuid} is still waiting for its migration`, { uuid: instance.uuid });
  const status = await g.status();
  if (status !== 'running' && status !== 'paused') throw new HypervisorError(`the migrated guest of ${instance.uuid} is ${status ?? 'not running'} here`, { uuid: instance.uuid });
  const qmp = await g.qmp();
  await qmp.execute('nbd-server-stop').catch(() => {});
  await dropMoveKey(qmp);
  fs.rmSync(pskDirOf(g), { recursive: true, force: true });
  ctx.register(instance, g);
  ctx.log.info({ instance: instance.uuid, status }, 'live migration arrived');
}

export async function rollbackLiveMigrationAtDestination(ctx: QemuContext, instance: InstanceDTO): Promise<void> {
  const g = ctx.handle(instance);
  await g.stop();
  fs.rmSync(g.paths.dir, { recursive: true, force: true });
  ctx.forget(instance.uuid);
}
