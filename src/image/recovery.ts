import { parseDbTime } from '../db/time.ts';
import type { Logger } from '../log.ts';
import type { ImageRepository } from './db/images.ts';
import type { FilesystemStore } from './store.ts';

/**
 * Clean up after uploads that died with their process (crash, kill -9): a
 * temporary file nobody has written to for `staleMs` is deleted, and an
 * image still `saving` without a live temporary file (and not changed for
 * `staleMs`) goes back to `queued`, so it can be uploaded again. Live
 * uploads of other nova-image processes sharing the store keep writing
 * their file and are left alone.
 */
export async function recoverInterruptedUploads(
  images: ImageRepository,
  store: FilesystemStore,
  opts: { staleMs: number; log: Logger; now?: number },
): Promise<{ restored: string[]; removed: string[] }> {
  const now = opts.now ?? Date.now();
  const removed: string[] = [];
  const live = new Set<string>();
  for (const part of await store.partFiles()) {
    if (now - part.mtimeMs > opts.staleMs) {
      await store.removeFile(part.file);
      removed.push(part.file);
    } else {
      live.add(part.imageId);
    }
  }
  const restored: string[] = [];
  for (const img of await images.withStatus('saving')) {
    if (live.has(img.id) || now - parseDbTime(img.updated_at).getTime() <= opts.staleMs) continue;
    if (await images.restore(img.id)) restored.push(img.id);
  }
  if (removed.length || restored.length) opts.log.warn({ restored, removed }, 'cleaned up uploads interrupted by a stopped nova-image');
  return { restored, removed };
}
