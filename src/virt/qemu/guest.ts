/**
 * One guest as the driver sees it: its files, the pid of its QEMU (if one
 * runs) and the driver's QMP connection to it. Knows how to find a QEMU
 * that is already running (adoption after a nova-compute restart), how to
 * ask its run state, and how to make it go away (quit, then SIGKILL).
 */
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { InstanceNotRunning } from '../../exception/instance.ts';
import type { Logger } from '../../log.ts';
import type { InstanceDTO } from '../../objects/instance.ts';
import { PowerState } from '../../objects/states.ts';
import type { InstancePaths } from './paths.ts';
import { findQemuPids, isQemuOf, killQemu, readPidfile, type StartedQemu, waitForExit } from './process.ts';
import { QMP_CONNECT_TIMEOUT_MS, QmpClient } from './qmp.ts';
import type { GuestUsage } from './resources.ts';

/** QEMU run states that mean "the guest is stopped but QEMU holds it" (Nova: PAUSED). */
const PAUSED_STATES = new Set(['paused', 'suspended', 'inmigrate', 'postmigrate', 'prelaunch', 'finish-migrate', 'save-vm', 'restore-vm', 'debug', 'io-error', 'watchdog', 'colo']);

/**
 * Nova's power state from QEMU's `query-status` (null: no QEMU process)
 * and whether a suspend state file exists.
 */
export function powerStateOf(status: string | null, hasSavedState: boolean): PowerState {
  if (status === null) return hasSavedState ? PowerState.SUSPENDED : PowerState.SHUTDOWN;
  if (status === 'running') return PowerState.RUNNING;
  if (status === 'shutdown') return PowerState.SHUTDOWN;
  if (status === 'internal-error' || status === 'guest-panicked') return PowerState.CRASHED;
  if (PAUSED_STATES.has(status)) return PowerState.PAUSED;
  return PowerState.NOSTATE;
}

/** What an instance's flavor takes on the host. */
export function usageOf(instance: InstanceDTO): GuestUsage {
  return { vcpus: instance.vcpus, memoryMb: instance.memory_mb, diskGb: instance.root_gb + instance.ephemeral_gb };
}

/** A guest of this host and the driver's handle on its QEMU. */
export class Guest {
  private pid: number | null = null;
  private client: QmpClient | null = null;

  constructor(
    readonly paths: InstancePaths,
    public usage: GuestUsage,
    private readonly log: Logger,
  ) {}

  get uuid(): string {
    return this.paths.uuid;
  }

  /** The pid of the guest's live QEMU, or null. `scan` also searches /proc when the pidfile is gone. */
  findProcess(scan = false): number | null {
    if (this.pid !== null && isQemuOf(this.pid, this.uuid)) return this.pid;
    this.pid = null;
    const fromFile = readPidfile(this.paths.pidfile);
    if (fromFile !== null && isQemuOf(fromFile, this.uuid)) this.pid = fromFile;
    else if (scan) this.pid = findQemuPids(this.uuid, '/proc', this.paths.dir)[0] ?? null;
    if (this.pid === null) this.closeQmp();
    return this.pid;
  }

  /** Whether a QEMU runs for this guest (in any run state). */
  get running(): boolean {
    return this.findProcess() !== null;
  }

  /** Whether a suspend state file exists. */
  get hasSavedState(): boolean {
    return fs.existsSync(this.paths.state);
  }

  /** Whether the guest still has its disk, or its volumes when it boots from one (the hypervisor "knows" it). */
  get exists(): boolean {
    return fs.existsSync(this.paths.disk) || fs.existsSync(this.paths.volumes);
  }

  /** Take over a QEMU that startQemu just started. */
  attach(started: StartedQemu): void {
    this.closeQmp();
    this.pid = started.pid;
    this.watch(started.qmp);
  }

  private watch(qmp: QmpClient): void {
    this.client = qmp;
    qmp.onEvent((e) => this.log.debug({ instance: this.uuid, event: e.event, data: e.data }, 'qemu event'));
  }

  /** The driver's QMP connection (opened when needed). InstanceNotRunning when no QEMU runs. */
  async qmp(): Promise<QmpClient> {
    if (this.findProcess() === null) throw new InstanceNotRunning(`Instance ${this.uuid} is not running.`, { instance_uuid: this.uuid });
    if (this.client && !this.client.closed) return this.client;
    const qmp = await QmpClient.connect(this.paths.qmp, QMP_CONNECT_TIMEOUT_MS);
    this.watch(qmp);
    return qmp;
  }

  /** QEMU's run state, or null when no QEMU runs. */
  async status(): Promise<string | null> {
    if (!this.running) return null;
    try {
      return await (await this.qmp()).queryStatus();
    } catch (e) {
      if (!this.running) return null;
      throw e;
    }
  }

  /** Wait up to `timeoutMs` for QEMU to exit; true when it has. */
  async waitGone(timeoutMs: number): Promise<boolean> {
    const pid = this.findProcess();
    if (pid === null) return true;
    const gone = await waitForExit(pid, this.uuid, timeoutMs);
    if (gone) this.findProcess();
    return gone;
  }

  /**
   * Make QEMU exit now: QMP `quit`, and SIGKILL when it has not exited
   * within `graceMs`. Resolves when no QEMU runs for this guest.
   */
  async stop(graceMs = 10_000): Promise<void> {
    const pid = this.findProcess();
    if (pid === null) return;
    try {
      const qmp = await this.qmp();
      await qmp.execute('quit', undefined, graceMs).catch(() => {});
    } catch {
      // QMP does not answer: kill below
    }
    if (!(await waitForExit(pid, this.uuid, graceMs))) {
      this.log.warn({ instance: this.uuid, pid }, 'QEMU did not quit; killing it');
      await killQemu(pid, this.uuid);
    }
    this.pid = null;
    this.closeQmp();
  }

  /**
   * Press the ACPI power button every `retryMs` until QEMU exits or
   * `timeoutMs` passes (Nova's clean shutdown). True when the guest went off.
   */
  async powerdown(timeoutMs: number, retryMs = 10_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running) return true;
      try {
        await (await this.qmp()).execute('system_powerdown');
      } catch {
        if (!this.running) return true;
      }
      if (await this.waitGone(Math.min(retryMs, Math.max(0, deadline - Date.now())))) return true;
    }
    return !this.running;
  }

  /** Close the driver's QMP connection; QEMU keeps running. */
  closeQmp(): void {
    this.client?.close();
    this.client = null;
  }

  /** Poll `query-status` until `accept` says yes; false after `timeoutMs`. */
  async waitStatus(accept: (status: string | null) => boolean, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      let status: string | null | undefined;
      try {
        status = await this.status();
      } catch {
        status = undefined;
      }
      if (status !== undefined && accept(status)) return true;
      if (Date.now() >= deadline) return false;
      await sleep(100);
    }
  }
}
