/**
 * The source of a live migration (block migration: the disks are not
 * shared). With the destination's migrate data (live-incoming.ts):
 *
 * 1. mirror: `blockdev-add` the destination's NBD export (TLS-PSK) and
 *    `blockdev-mirror` disk0 into it with `sync: top` (the destination's
 *    overlay sits on its own copy of the base image, so only the overlay
 *    travels; Nova's VIR_MIGRATE_NON_SHARED_INC) in write-blocking mode,
 *    until the job is ready (in sync);
 * 2. `migrate` over TCP (TLS-PSK with `[qemu]
 *    live_migration_with_native_tls`) with `pause-before-switchover`: once
 *    the guest is stopped for the last copy, the mirror is completed
 *    (`block-job-cancel` of a ready mirror: the target keeps everything)
 *    before `migrate-continue` lets the destination run the guest;
 * 3. progress (query-migrate, query-block-jobs) goes to `onProgress`;
 *    force complete switches to post-copy (`live_migration_permit_post_copy`)
 *    or lifts the downtime limit so the next pass completes with the guest
 *    paused; abort is `migrate_cancel` (the guest keeps running here);
 *    `live_migration_completion_timeout` per GiB ends in
 *    `live_migration_timeout_action`.
 *
 * Volumes are network disks: never mirrored (only disk0 is; a guest booted
 * from a volume has nothing to mirror). The destination connected to them
 * with its own attachment; the source refuses first when the destination's
 * devices are not at its PCI slots (volume-moves.ts).
 *
 * When the migration completed, the source QEMU quits (its NBD connections
 * to the volumes with it); the files stay until nova-compute destroys the
 * instance here.
 */
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { HypervisorError } from '../../exception/virt.ts';
import type { InstanceDTO } from '../../objects/instance.ts';
import { isPlainObject } from '../../util/json-value.ts';
import type { LiveMigrateData, LiveMigrationProgress, MoveTarget } from '../driver-moves.ts';
import type { QemuContext } from './context.ts';
import { checkNicLayout } from './hotplug.ts';
import { dropMoveKey, MOVE_DISK, MOVE_TLS } from './live-incoming.ts';
import type { QmpClient } from './qmp.ts';
import { pskObject, uriHost, writePskDir } from './transport.ts';
import { checkDestinationLayout } from './volume-moves.ts';
import { bootsFromVolume } from './volumes.ts';

/** A live migration running from this host, as force complete and abort find it. */
export interface LiveRun {
  abort: boolean;
  force: boolean;
  /** Set once `migrate` was issued (QEMU then takes migrate_cancel / migrate-start-postcopy). */
  qmp: QmpClient | null;
  postCopy: boolean;
  /** The force was applied (post-copy started, or the downtime limit lifted). */
  forced: boolean;
}

const POLL_MS = 200;
/** QEMU's largest downtime limit (2000 s): the next pass completes, the guest paused meanwhile. */
const MAX_DOWNTIME_MS = 2_000_000;
const GiB = 1024 ** 3;

const rec = (v: unknown): Record<string, unknown> => (isPlainObject(v) ? v : {});
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/** The mirror job's figures, or null when it is gone. */
async function mirrorJob(qmp: QmpClient): Promise<{ len: number; offset: number; ready: boolean } | null> {
  const jobs = await qmp.execute('query-block-jobs');
  for (const j of Array.isArray(jobs) ? jobs : []) {
    const r = rec(j);
    if (r.device === MOVE_DISK) return { len: num(r.len), offset: num(r.offset), ready: r.ready === true };
  }
  return null;
}

/** Apply a force complete to a running migration. */
export async function applyForce(run: LiveRun): Promise<void> {
  if (!run.qmp || run.forced) return;
  run.forced = true;
  if (run.postCopy) await run.qmp.execute('migrate-start-postcopy');
  else await run.qmp.execute('migrate-set-parameters', { 'downtime-limit': MAX_DOWNTIME_MS, 'max-bandwidth': 0 });
}

/**
 * Undo what the migration set up on the source; the guest keeps running
 * here (`wasRunning`: a migration cancelled while the guest was stopped for
 * its switchover leaves it stopped, and it is resumed).
 */
async function cleanup(qmp: QmpClient, downtimeMs: number, wasRunning: boolean): Promise<void> {
  await qmp.execute('block-job-cancel', { device: MOVE_DISK, force: true }).catch(() => {});
  for (let i = 0; i < 50 && (await mirrorJob(qmp).catch(() => null)) !== null; i++) await sleep(100);
  await qmp.execute('blockdev-del', { 'node-name': MOVE_DISK }).catch(() => {});
  await qmp.execute('migrate-set-parameters', { 'downtime-limit': downtimeMs }).catch(() => {});
  await dropMoveKey(qmp);
  if (wasRunning && (await qmp.queryStatus().catch(() => 'running')) !== 'running') await qmp.execute('cont').catch(() => {});
}

/** Mirror the guest's own disk (disk0 only: never a volume's node) into the destination's export, until the copy is in step. */
async function mirrorDisk(qmp: QmpClient, to: { address: string; port: number }, run: LiveRun, what: string, onJob: (job: { len: number; offset: number }) => void): Promise<void> {
  await qmp.execute('blockdev-add', {
    driver: 'nbd',
    'node-name': MOVE_DISK,
    server: { type: 'inet', host: to.address, port: String(to.port) },
    export: 'disk0',
    'tls-creds': MOVE_TLS,
  });
  await qmp.execute('blockdev-mirror', { 'job-id': MOVE_DISK, device: 'disk0', target: MOVE_DISK, sync: 'top', 'copy-mode': 'write-blocking' });
  for (;;) {
    const job = await mirrorJob(qmp);
    if (!job) throw new HypervisorError(`the disk copy of ${what} stopped`);
    if (job.ready) return onJob(job);
    if (run.abort) throw new HypervisorError(`live migration of ${what} was aborted`);
    onJob(job);
    await sleep(POLL_MS);
  }
}

export async function liveMigration(
  ctx: QemuContext,
  instance: InstanceDTO,
  target: MoveTarget,
  data: LiveMigrateData,
  run: LiveRun,
  onProgress: (p: LiveMigrationProgress) => void,
): Promise<void> {
  const g = ctx.guest(instance);
  const q = ctx.conf.qemu;
  const qmp = await g.qmp();
  const status = await qmp.queryStatus();
  if (status !== 'running' && status !== 'paused') throw new HypervisorError(`instance ${instance.uuid} is ${status}: it cannot be live migrated`, { uuid: instance.uuid });
  await checkNicLayout(qmp, instance);
  await checkDestinationLayout(qmp, g, instance, data);
  const address = typeof data.address === 'string' ? data.address : target.address;
  const { port, nbd_port: nbdPort, psk } = data;
  // The guest's own disk is mirrored to the destination; volumes (network disks) are not: the destination connected to them itself.
  const mirror = !bootsFromVolume(g);
  if (typeof port !== 'number' || (mirror && typeof nbdPort !== 'number') || typeof psk !== 'string')
    throw new HypervisorError(`the destination ${target.host} sent no migration ports`);
  if (fs.existsSync(g.paths.configDrive) && data.config_drive !== true) throw new HypervisorError(`the destination ${target.host} made no config drive for ${instance.uuid}`);
  const pskDir = writePskDir(path.join(g.paths.dir, 'migrate-psk'), psk);
  run.postCopy = q.live_migration_permit_post_copy && data.post_copy === true;
  const started = Date.now();
  let disk = { total: 0, processed: 0 };
  const progress = async (m: Record<string, unknown>) => {
    const job = await mirrorJob(qmp).catch(() => null);
    if (job) disk = { total: job.len, processed: job.offset };
    const ram = rec(m.ram);
    const total = num(ram.total);
    onProgress({
      memory_total: total,
      memory_processed: num(ram.transferred),
      memory_remaining: m.status === 'completed' ? 0 : num(ram.remaining),
      disk_total: disk.total,
      disk_processed: job || m.status === 'completed' ? disk.processed : disk.total,
      disk_remaining: job ? disk.total - disk.processed : 0,
    });
  };
  try {
    await dropMoveKey(qmp);
    await qmp.execute('object-add', pskObject(MOVE_TLS, pskDir, 'client'));
    if (mirror) {
      await mirrorDisk(qmp, { address, port: Number(nbdPort) }, run, `${instance.uuid} to ${target.host}`, (job) => {
        disk = { total: job.len, processed: job.offset };
        onProgress({ memory_total: 0, memory_processed: 0, memory_remaining: 0, disk_total: job.len, disk_processed: job.offset, disk_remaining: job.len - job.offset });
      });
    }
    const autoConverge = q.live_migration_permit_auto_converge && !run.postCopy;
    await qmp.execute('migrate-set-capabilities', {
      capabilities: [
        { capability: 'events', state: true },
        { capability: 'pause-before-switchover', state: true },
        { capability: 'auto-converge', state: autoConverge },
        { capability: 'postcopy-ram', state: run.postCopy },
      ],
    });
    const bandwidth = q.live_migration_bandwidth > 0 ? q.live_migration_bandwidth * 1024 * 1024 : 0;
    await qmp.execute('migrate-set-parameters', { 'tls-creds': data.tls === true ? MOVE_TLS : '', 'max-bandwidth': bandwidth, 'downtime-limit': q.live_migration_downtime });
    await qmp.execute('migrate', { uri: `tcp:${uriHost(address)}:${port}` });
    run.qmp = qmp;
    if (run.force) await applyForce(run);
    const dataGb = Math.max(2, instance.memory_mb / 1024 + disk.total / GiB);
    const timeoutMs = q.live_migration_completion_timeout * dataGb * 1000;
    let cancelled = false;
    let timedOut = false;
    let downtimeMs = 0;
    let pausedAt = 0;
    let continued = false;
    for (;;) {
      const m = rec(await qmp.execute('query-migrate'));
      await progress(m);
      if (m.status === 'completed') {
        downtimeMs = num(m.downtime);
        break;
      }
      if (m.status === 'failed' || m.status === 'cancelled') {
        const why = cancelled || run.abort ? 'was aborted' : timedOut ? 'timed out' : `failed: ${String(m['error-desc'] ?? m.status)}`;
        throw new HypervisorError(`live migration of ${instance.uuid} to ${target.host} ${why}`, { uuid: instance.uuid });
      }
      // Once only: right after migrate-continue QEMU may still say pre-switchover (its migration thread not yet woken), and the mirror is gone by then.
      // An abort asked for meanwhile cancels instead (below): QEMU can cancel in pre-switchover, and the source guest then runs on.
      if (m.status === 'pre-switchover' && !continued && !(run.abort || timedOut)) {
        continued = true;
        pausedAt = Date.now();
        // The guest is stopped for the last pass: finish the disk copy before the destination runs it.
        if (mirror) await qmp.execute('block-job-cancel', { device: MOVE_DISK });
        while ((await mirrorJob(qmp)) !== null) await sleep(20);
        await qmp.execute('migrate-continue', { state: 'pre-switchover' });
        continue;
      }
      if ((run.abort || timedOut) && !cancelled) {
        cancelled = true;
        await qmp.execute('migrate_cancel');
      } else if (timeoutMs > 0 && !timedOut && !run.forced && Date.now() - started > timeoutMs) {
        ctx.log.warn(
          { instance: instance.uuid, timeout_s: Math.round(timeoutMs / 1000) },
          `live migration exceeded live_migration_completion_timeout: ${q.live_migration_timeout_action}`,
        );
        if (q.live_migration_timeout_action === 'force_complete') await applyForce(run);
        else timedOut = true;
      }
      await sleep(POLL_MS);
    }
    await qmp.execute('blockdev-del', { 'node-name': MOVE_DISK }).catch(() => {});
    ctx.forget(instance.uuid);
    await g.stop();
    ctx.log.info(
      {
        instance: instance.uuid,
        to: target.host,
        ms: Date.now() - started,
        downtime_ms: downtimeMs,
        // From the guest's pause seen here to the completion seen here (an upper bound, polled): what this driver adds to QEMU's own downtime.
        switchover_ms: pausedAt ? Date.now() - pausedAt : null,
        disk_bytes: disk.total,
        mirrored: mirror,
      },
      'live migration completed; the guest runs on the destination',
    );
  } catch (e) {
    const now = await qmp.queryStatus().catch(() => null);
    if (now === 'postmigrate') throw e; // the guest went over (post-copy): nothing to undo here
    await cleanup(qmp, q.live_migration_downtime, status === 'running');
    throw e;
  } finally {
    run.qmp = null;
    fs.rmSync(pskDir, { recursive: true, force: true });
  }
}
