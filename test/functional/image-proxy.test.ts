import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiClient, type Cloud, startCloud } from '../support/cloud.ts';
import { createImage, type ImageHarness, startImageApi } from './image-harness.ts';

type Body = Record<string, Record<string, unknown>>;

/** The compute API's /images proxy and os-aggregates/{id}/images over an in-process cloud and image API (noauth2: the caller's user:project token is passed on). */
describe('the compute image proxy and image pre-caching', () => {
  let glance: ImageHarness;
  let cloud: Cloud;
  let api: ApiClient;
  let imageId = '';
  let glanceUrl = '';
  before(async () => {
    glance = await startImageApi();
    glanceUrl = await glance.listen();
    cloud = await startCloud({ overrides: { glance: { api_servers: glanceUrl } } });
    api = new ApiClient(cloud.url, 'alice:projA');
    const img = await createImage(glance, { name: 'cirros', disk_format: 'qcow2', container_format: 'bare', min_ram: 64, image_type: 'snapshot', auto_disk_config: 'true' });
    imageId = String(img.id);
    await glance.call('PUT', `/v2/images/${imageId}/file`, { body: Buffer.alloc(1024, 1) });
    await createImage(glance, { name: 'other', disk_format: 'raw', container_format: 'bare' });
  });
  after(async () => {
    await cloud?.stop();
    await glance?.close();
  });

  it('lists and shows images in Nova’s view up to 2.35 and answers 404 from 2.36', async () => {
    const list = await api.get<{ images: { id: string; name: string; links: { rel: string; href: string }[] }[] }>('/images');
    assert.equal(list.status, 200);
    assert.deepEqual(list.body.images.map((i) => i.name).sort(), ['cirros', 'other']);
    const links = list.body.images.find((i) => i.id === imageId)?.links ?? [];
    assert.deepEqual(
      links.map((l) => l.rel),
      ['self', 'bookmark', 'alternate'],
    );
    assert.equal(links[2]?.href, `${glanceUrl}/images/${imageId}`);
    const shown = await api.get<Body>(`/images/${imageId}`);
    assert.equal(shown.status, 200);
    const image = shown.body.image ?? {};
    assert.equal(image.status, 'ACTIVE');
    assert.equal(image.progress, 100);
    assert.equal(image.minRam, 64);
    assert.equal(image.minDisk, 0);
    assert.equal(image['OS-EXT-IMG-SIZE:size'], 1024);
    assert.equal(image['OS-DCF:diskConfig'], 'AUTO');
    assert.deepEqual(image.metadata, { image_type: 'snapshot', auto_disk_config: 'true' });
    assert.match(String(image.created), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const filtered = await api.get<{ images: { name: string }[] }>('/images/detail?name=cirros&type=snapshot');
    assert.deepEqual(
      filtered.body.images.map((i) => i.name),
      ['cirros'],
    );
    const paged = await api.get<{ images: unknown[]; images_links?: { rel: string; href: string }[] }>('/images?limit=1');
    assert.equal(paged.body.images.length, 1);
    assert.match(String(paged.body.images_links?.[0]?.href), /\/v2\.1\/images\?limit=1&marker=/);
    assert.equal((await api.get<Body>('/images?limit=x')).body.badRequest?.message, 'limit must be an integer');
    assert.equal((await api.get<Body>('/images/00000000-0000-4000-8000-000000000000')).body.itemNotFound?.message, 'Image not found.');
    assert.equal((await api.at('2.36').get('/images')).status, 404);
    assert.equal((await api.at('2.35').get('/images')).status, 200);
  });

  it('reads and changes image metadata up to 2.38', async () => {
    const set = await api.post<Body>(`/images/${imageId}/metadata`, { metadata: { os_distro: 'cirros' } });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    assert.equal(set.body.metadata?.os_distro, 'cirros');
    assert.deepEqual((await api.get<Body>(`/images/${imageId}/metadata/os_distro`)).body, { meta: { os_distro: 'cirros' } });
    const one = await api.put<Body>(`/images/${imageId}/metadata/os_distro`, { meta: { os_distro: 'debian' } });
    assert.deepEqual(one.body, { meta: { os_distro: 'debian' } });
    assert.equal((await api.put<Body>(`/images/${imageId}/metadata/x`, { meta: { y: '1' } })).body.badRequest?.message, 'Request body and URI mismatch');
    assert.equal((await api.delete(`/images/${imageId}/metadata/os_distro`)).status, 204);
    assert.equal((await api.delete<Body>(`/images/${imageId}/metadata/os_distro`)).body.itemNotFound?.message, 'Invalid metadata key');
    const all = await api.put<Body>(`/images/${imageId}/metadata`, { metadata: { image_type: 'snapshot', auto_disk_config: 'true', a: 'b' } });
    assert.deepEqual(all.body.metadata, { image_type: 'snapshot', auto_disk_config: 'true', a: 'b' });
    assert.deepEqual((await api.get<Body>(`/images/${imageId}/metadata`)).body.metadata, { image_type: 'snapshot', auto_disk_config: 'true', a: 'b' });
    assert.equal((await api.at('2.39').get(`/images/${imageId}/metadata`)).status, 404);
  });

  it('pre-caches images on the aggregate’s hosts from 2.81 (the fake driver records them)', async () => {
    const admin = new ApiClient(cloud.url).at('2.81');
    const agg = await admin.post<{ aggregate: { id: number } }>('/os-aggregates', { aggregate: { name: 'cache-agg' } });
    const id = agg.body.aggregate.id;
    await admin.post(`/os-aggregates/${id}/action`, { add_host: { host: 'compute1' } });
    const r = await admin.post(`/os-aggregates/${id}/images`, { cache: [{ id: imageId }] });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    assert.equal((await admin.post<Body>(`/os-aggregates/${id}/images`, { cache: [{ id: imageId }, { id: imageId }] })).body.badRequest?.message, 'Duplicate images in request');
    const missing = await admin.post<Body>(`/os-aggregates/${id}/images`, { cache: [{ id: '00000000-0000-4000-8000-000000000000' }] });
    assert.equal(missing.status, 400);
    assert.equal(missing.body.badRequest?.message, 'Image 00000000-0000-4000-8000-000000000000 could not be found.');
    assert.equal((await admin.post(`/os-aggregates/999/images`, { cache: [{ id: imageId }] })).status, 404);
    assert.equal((await admin.at('2.80').post(`/os-aggregates/${id}/images`, { cache: [{ id: imageId }] })).status, 404);
  });

  it('deletes an image through the proxy', async () => {
    const img = await createImage(glance, { name: 'doomed', disk_format: 'raw', container_format: 'bare' });
    assert.equal((await api.delete(`/images/${String(img.id)}`)).status, 204);
    assert.equal((await api.get(`/images/${String(img.id)}`)).status, 404);
  });
});
