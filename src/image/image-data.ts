/**
 * /v2/images/{id}/file: upload and download image data
 * (glance.api.v2.image_data). An upload moves the image queued → saving →
 * active with conditional UPDATEs; the data is streamed to a temporary file
 * and renamed into place only when complete, so an interrupted upload
 * (client gone, short body, disk error, size cap) leaves no data and puts
 * the image back to queued: a half image is never active.
 */
import { errorCode } from '../util/error-code.ts';
import { errorMessage } from '../util/error-message.ts';
import { badRequest, conflict, forbidden, GlanceError, imageNotFound, tooLarge } from './errors.ts';
import { header, type ImageApiDeps, type ImageRequest, type ImageRequestOf, type ImageResponse, mediaType, noContent } from './http.ts';
import { visibleImage } from './images.ts';
import { isMutable } from './policy.ts';
import { ImageSizeLimitExceeded, SizeMismatch, StorageFull, StorageWriteDenied, type StoredData } from './store.ts';

/** X-Openstack-Image-Size, else Content-Length; 400 when malformed. */
function announcedSize(req: ImageRequest): number | undefined {
  const raw = header(req.headers, 'x-openstack-image-size') ?? header(req.headers, 'content-length');
  if (raw === undefined) return undefined;
  if (!/^\s*\d+\s*$/.test(raw)) throw badRequest('Invalid or missing image size in request headers.');
  const n = Number.parseInt(raw, 10);
  return n === 0 && header(req.headers, 'x-openstack-image-size') === undefined ? undefined : n;
}

/** The error to answer for a failed store, and whether the client went away (then nobody reads the answer). */
function uploadFailure(e: unknown, id: string): { error: GlanceError; clientGone: boolean } {
  const error = failureOf(e, id);
  return {
    error: error ?? new GlanceError(400, { explanation: 'The upload was interrupted before all image data arrived.', headers: { connection: 'close' } }),
    clientGone: !error,
  };
}

function failureOf(e: unknown, id: string): GlanceError | null {
  const close = { connection: 'close' };
  if (e instanceof ImageSizeLimitExceeded) return new GlanceError(413, { explanation: `The incoming image is too large: ${e.message}`, headers: close });
  if (e instanceof StorageFull) return new GlanceError(413, { explanation: `Image storage media is full: ${e.message}`, headers: close });
  if (e instanceof StorageWriteDenied) return new GlanceError(503, { explanation: `Insufficient permissions on image storage media: ${e.message}`, headers: close });
  if (e instanceof SizeMismatch) return badRequest(e.message);
  const code = errorCode(e);
  if (code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE' || errorMessage(e) === 'aborted') return null;
  return new GlanceError(500, { explanation: `Failed to upload image data for image ${id}: ${errorMessage(e)}`, headers: close });
}

/** PUT /v2/images/{id}/file */
export function upload(deps: ImageApiDeps) {
  return async (req: ImageRequestOf<'id'>): Promise<ImageResponse> => {
    const id = req.params.id;
    const type = mediaType(req.headers);
    if (type !== 'application/octet-stream') throw new GlanceError(415, { detail: `Invalid content type ${type || 'None'}` });
    const size = announcedSize(req);
    const image = await visibleImage(deps, req.ctx, id);
    if (!isMutable(req.ctx, image)) throw forbidden(`Not allowed to upload image data for image ${id}`);
    if (image.status !== 'queued') throw conflict(`Image status transition from ${image.status} to saving is not allowed`);
    const missing = (['disk_format', 'container_format'] as const).filter((k) => !image[k]);
    if (missing.length === 1) throw badRequest(`Property ${missing[0]} must be set prior to saving data.`);
    if (missing.length > 1) throw badRequest(`Properties ${missing.join(', ')} must be set prior to saving data.`);
    const cap = deps.conf.image_size_cap;
    if (size !== undefined && size > cap) {
      throw tooLarge(`The incoming image is too large: The provided image is too large.`);
    }
    if (!(await deps.images.transition(id, 'queued', 'saving'))) {
      const now = await deps.images.get(id);
      if (!now) throw imageNotFound(id);
      throw conflict(`Image status transition from ${now.status} to saving is not allowed`);
    }
    deps.log.info({ image_id: id, size }, 'image upload started');

    let stored: StoredData;
    try {
      stored = await deps.store.add(id, req.stream, { sizeCap: cap, expectedSize: header(req.headers, 'x-openstack-image-size') !== undefined ? size : undefined });
    } catch (e) {
      const restored = await deps.images.restore(id).catch((err: unknown) => {
        deps.log.error({ image_id: id, err: errorMessage(err) }, 'could not put the image back to queued after a failed upload');
        return false;
      });
      const { error, clientGone } = uploadFailure(e, id);
      deps.log.warn({ image_id: id, err: errorMessage(e), restored }, clientGone ? 'image upload interrupted by the client' : 'image upload failed');
      throw error;
    }

    if (!(await deps.images.activate(id, stored))) {
      await deps.store.delete(stored.location).catch((err: unknown) => deps.log.error({ image_id: id, err }, 'could not delete the data of an image deleted during its upload'));
      throw new GlanceError(410, {
        explanation: `Image ${id} could not be found after upload. The image may have been deleted during the upload, cleaning up the chunks uploaded.`,
      });
    }
    deps.log.info({ image_id: id, size: stored.size, checksum: stored.checksum }, 'image upload complete');
    return noContent();
  };
}

/** GET /v2/images/{id}/file: the data with Content-MD5 and Content-Length; 204 when there is none. */
export function download(deps: ImageApiDeps) {
  return async (req: ImageRequestOf<'id'>): Promise<ImageResponse> => {
    const id = req.params.id;
    const image = await visibleImage(deps, req.ctx, id);
    if (image.status === 'deactivated' && !req.ctx.is_admin) {
      throw forbidden('The requested image has been deactivated. Image data download is forbidden.');
    }
    const data = image.location ? await deps.store.open(image.location) : null;
    if (!data) return noContent();
    const headers: Record<string, string> = { 'content-type': 'application/octet-stream', 'content-length': String(data.size) };
    if (image.checksum) headers['content-md5'] = image.checksum;
    return { status: 200, stream: data.stream, headers };
  };
}
