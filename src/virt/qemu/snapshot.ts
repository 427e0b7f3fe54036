/**
 * Snapshots of a guest's root disk as one flattened qcow2 (no backing
 * file, so the image boots on its own), written under `[qemu]
 * snapshots_directory` and then handed to the image sink.
 *
 * While QEMU runs (running or paused) the copy is a QMP `blockdev-backup`
 * of `disk0` with `sync: full` into a new qcow2: point in time as of the
 * job's start (copy-before-write), the guest keeps running meanwhile.
 * Without a QEMU (stopped, suspended) it is `qemu-img convert` of the
 * overlay chain. The copy is crash consistent, as Nova's live snapshot.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { HypervisorError } from '../../exception/virt.ts';
import type { ImageSink } from '../driver-moves.ts';
import type { Guest } from './guest.ts';
import { diskInfo, qemuImg } from './images.ts';
import { bootsFromVolume } from './volumes.ts';

/** Copy the running guest's disk0 into the new qcow2 `file` with blockdev-backup. */
async function backupLive(g: Guest, binary: string, file: string, timeoutMs: number): Promise<void> {
  const size = (await diskInfo(binary, g.paths.disk, 'qcow2')).virtualSize;
  await qemuImg(binary, ['create', '-q', '-f', 'qcow2', file, String(size)]);
  const qmp = await g.qmp();
  const node = `nova-snap-${randomBytes(4).toString('hex')}`;
  await qmp.execute('blockdev-add', { driver: 'qcow2', 'node-name': node, file: { driver: 'file', filename: file } });
  try {
    const done = qmp.waitForEvent('BLOCK_JOB_COMPLETED', timeoutMs, (e) => e.data.device === node);
    done.catch(() => {});
    await qmp.execute('blockdev-backup', { 'job-id': node, device: 'disk0', target: node, sync: 'full', 'auto-dismiss': true });
    const ev = await done.catch(async (e: unknown) => {
      await qmp.execute('block-job-cancel', { device: node, force: true }).catch(() => {});
      throw e;
    });
    if (typeof ev.data.error === 'string') throw new HypervisorError(`snapshot of ${g.uuid}: the backup job failed: ${ev.data.error}`, { uuid: g.uuid });
  } finally {
    await qmp.execute('blockdev-del', { 'node-name': node }).catch(() => {});
  }
}

/**
 * Write a flattened qcow2 of the guest's root disk to `sink`. The guest
 * keeps its run state; `timeoutMs` bounds the copy.
 */
export async function snapshotGuest(g: Guest, o: { qemuImg: string; directory: string; timeoutMs: number }, sink: ImageSink): Promise<void> {
  // A volume-backed instance's snapshot is its volumes' (the API's job); the driver has no image disk to copy.
  if (bootsFromVolume(g)) throw new HypervisorError(`instance ${g.uuid} boots from a volume: it has no image disk to snapshot`, { uuid: g.uuid });
  fs.mkdirSync(o.directory, { recursive: true, mode: 0o750 });
  const file = path.join(path.resolve(o.directory), `${g.uuid}-${randomBytes(4).toString('hex')}.qcow2`);
  try {
    const status = await g.status();
    if (status === null) {
      await qemuImg(o.qemuImg, ['convert', '-q', '-f', 'qcow2', '-O', 'qcow2', g.paths.disk, file], o.timeoutMs);
    } else if (status === 'running' || status === 'paused') {
      await backupLive(g, o.qemuImg, file, o.timeoutMs);
    } else {
      throw new HypervisorError(`cannot snapshot instance ${g.uuid} while its QEMU is ${status}`, { uuid: g.uuid });
    }
    const info = await diskInfo(o.qemuImg, file, 'qcow2');
    if (info.backingFile) throw new HypervisorError(`snapshot of ${g.uuid} still refers to ${info.backingFile}`, { uuid: g.uuid });
    await sink.upload(fs.createReadStream(file), 'qcow2');
  } finally {
    fs.rmSync(file, { force: true });
  }
}
