/**
 * The volume work that outlives its request (Cinder's volume manager side):
 * creating, deleting, extending, snapshotting and uploading run after the
 * 202, one at a time per volume, their state in the database. At start,
 * what a previous run left in a transitional state is finished or marked
 * as failed (Cinder's init_host): nothing stays creating or deleting.
 */
import type { Logger } from '../log.ts';
import type { VolumeStore } from './db/store.ts';
import type { VolumeDriver } from './driver.ts';

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export class VolumeWorker {
  private readonly running = new Set<Promise<void>>();
  private readonly chains = new Map<string, Promise<void>>();

  constructor(private readonly log: Logger) {}

  /**
   * Run `work` after the other work on `key` (a volume id); when it throws,
   * `failed` records the failure (the resource's error status); it gets the message and the error.
   */
  run(key: string, what: string, work: () => Promise<void>, failed: (err: string, error: unknown) => Promise<void>): void {
    const prev = this.chains.get(key) ?? Promise.resolve();
    const p: Promise<void> = prev
      .then(work)
      .catch(async (e: unknown) => {
        this.log.error({ err: message(e), resource: key }, `${what} failed`);
        await failed(message(e), e).catch((e2: unknown) => this.log.error({ err: message(e2), resource: key }, `could not record that ${what} failed`));
      })
      .finally(() => {
        this.running.delete(p);
        if (this.chains.get(key) === p) this.chains.delete(key);
      });
    this.chains.set(key, p);
    this.running.add(p);
  }

  /** Resolves when no work is running (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running.size) await Promise.all([...this.running]);
  }

  /**
   * A previous run's leftovers: volumes creating or downloading go to
   * error, deleting ones are deleted, extending ones go to error_extending,
   * uploading ones back to their previous status; snapshots creating go to
   * error, deleting ones are deleted; exports of detached attachments end.
   */
  async recover(store: VolumeStore, driver: VolumeDriver): Promise<void> {
    for (const v of await store.list('volumes', { status: ['creating', 'downloading'] })) {
      await store.update('volumes', v.id, { status: 'error', error: 'the volume service restarted while the volume was created' });
      this.log.warn({ volume: v.id }, `volume ${v.id} was ${v.status} when the service stopped: now error`);
    }
    for (const v of await store.list('volumes', { status: 'extending' })) await store.update('volumes', v.id, { status: 'error_extending' });
    for (const v of await store.list('volumes', { status: 'uploading' })) {
      await store.update('volumes', v.id, { status: v.previous_status === 'in-use' ? 'in-use' : 'available', previous_status: null });
    }
    for (const s of await store.list('snapshots', { status: 'creating' })) await store.update('snapshots', s.id, { status: 'error' });
    for (const s of await store.list('snapshots', { status: 'deleting' })) {
      this.run(
        s.volume_id,
        `delete of snapshot ${s.id}`,
        async () => {
          await driver.deleteSnapshot(s.volume_id, s.id);
          await store.delete('snapshots', s.id);
        },
        async () => {
          await store.update('snapshots', s.id, { status: 'error_deleting' });
        },
      );
    }
    for (const v of await store.list('volumes', { status: 'deleting' })) {
      this.run(
        v.id,
        `delete of volume ${v.id}`,
        async () => {
          await driver.deleteVolume(v.id);
          await store.delete('volumes', v.id);
        },
        async () => {
          await store.update('volumes', v.id, { status: 'error_deleting' });
        },
      );
    }
  }
}
