/**
 * Suspend and resume through QEMU migration to and from a state file (what
 * libvirt's managed save does): the guest's RAM and device state go to
 * `suspend.state`, QEMU exits, and a new QEMU started with `-incoming
 * defer` loads the file and continues the guest where it stopped.
 */
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { HypervisorError } from '../../exception/virt.ts';
import { shellQuote } from './cmdline.ts';
import type { Guest } from './guest.ts';
import { tailFile } from './process.ts';

const POLL_MS = 100;
/** Migration bandwidth for saving to a local file (QEMU's default throttles to 128 MiB/s). */
const SAVE_BANDWIDTH = 10 * 1024 ** 3;

/** Poll query-migrate until the migration ends; throws on failure, timeout or QEMU exiting. */
async function waitMigration(guest: Guest, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!guest.running) {
      const log = tailFile(guest.paths.qemuLog, 1024).trim().split('\n').slice(-3).join('\n');
      throw new HypervisorError(`${what} of ${guest.uuid} failed: QEMU exited${log ? `:\n${log}` : ''}`, { uuid: guest.uuid });
    }
    const qmp = await guest.qmp();
    const m = await qmp.queryMigrate();
    if (m.status === 'completed') return;
    if (m.status === 'failed' || m.status === 'cancelled') {
      throw new HypervisorError(`${what} of ${guest.uuid} failed: ${m.error ?? m.status}`, { uuid: guest.uuid });
    }
    if (Date.now() >= deadline) {
      await qmp.execute('migrate_cancel').catch(() => {});
      throw new HypervisorError(`${what} of ${guest.uuid} did not finish within ${Math.round(timeoutMs / 1000)} s`, { uuid: guest.uuid });
    }
    await sleep(POLL_MS);
  }
}

/**
 * Save the running (or paused) guest to its state file and make QEMU exit.
 * On failure the guest is left as it was (continued if it was running).
 */
export async function saveGuest(guest: Guest, timeoutMs: number): Promise<void> {
  const qmp = await guest.qmp();
  const before = await qmp.queryStatus();
  const tmp = `${guest.paths.state}.part`;
  fs.rmSync(tmp, { force: true });
  try {
    if (before === 'running') await qmp.execute('stop');
    await qmp.execute('migrate-set-parameters', { 'max-bandwidth': SAVE_BANDWIDTH });
    await qmp.execute('migrate', { uri: `exec:cat > ${shellQuote(tmp)}` });
    await waitMigration(guest, 'saving the state', timeoutMs);
    fs.renameSync(tmp, guest.paths.state);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    if (before === 'running' && guest.running) await (await guest.qmp()).execute('cont').catch(() => {});
    throw e;
  }
  await guest.stop();
}

/**
 * Load the state file into a QEMU started with `-S -incoming defer`, then
 * continue the guest and remove the file. On failure the file is kept (the
 * caller stops the half-started QEMU).
 */
export async function loadGuest(guest: Guest, timeoutMs: number): Promise<void> {
  const qmp = await guest.qmp();
  await qmp.execute('migrate-incoming', { uri: `exec:cat ${shellQuote(guest.paths.state)}` });
  await waitMigration(guest, 'loading the state', timeoutMs);
  if (!(await guest.waitStatus((s) => s !== 'inmigrate', timeoutMs))) {
    throw new HypervisorError(`loading the state of ${guest.uuid}: QEMU stays in inmigrate`, { uuid: guest.uuid });
  }
  await (await guest.qmp()).execute('cont');
  fs.rmSync(guest.paths.state, { force: true });
}
