import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { RequestContext } from '../context.ts';
import { CinderConnectionFailed, InvalidInput, OverQuota, VolumeAttachmentNotFound, VolumeNotFound } from '../exception/volume.ts';
import { CinderClient, projectUrl } from './cinder.ts';
import { ABSENT_VOLUME_SERVICE } from './cinder-absent.ts';
import { NoAuthTokenProvider } from './tokens.ts';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}

describe('CinderClient', () => {
  let server: Server;
  let base = '';
  const seen: Seen[] = [];
  const ctx: RequestContext = { request_id: 'req-1', user_id: 'alice', project_id: 'projA', roles: ['member'], is_admin: false };

  before(async () => {
    server = createServer((req, res) => {
      let data = '';
      req.on('data', (c: Buffer) => {
        data += c.toString();
      });
      req.on('end', () => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: data ? JSON.parse(data) : null });
        const send = (status: number, body: unknown) => {
          res.writeHead(status, { 'content-type': 'application/json', 'x-openstack-request-id': 'req-cinder' });
          res.end(JSON.stringify(body));
        };
        const url = req.url ?? '';
        if (url.endsWith('/volumes/v1')) return send(200, { volume: { id: 'v1', name: 'one', status: 'available', size: 1, availability_zone: 'nova', attachments: [] } });
        if (url.endsWith('/volumes/missing')) return send(404, { itemNotFound: { code: 404, message: 'Volume missing could not be found.' } });
        if (url.endsWith('/volumes') && req.method === 'POST') return send(413, { overLimit: { code: 413, message: 'VolumeSizeExceedsAvailableQuota' } });
        if (url.endsWith('/attachments') && req.method === 'POST') return send(400, { badRequest: { code: 400, message: 'Invalid volume: volume v1 already attached' } });
        if (url.endsWith('/attachments/a1') && req.method === 'PUT')
          return send(200, {
            attachment: { id: 'a1', volume_id: 'v1', instance: 'i1', status: 'attached', connection_info: { driver_volume_type: 'nbd', data: { host: 'h', port: 1 } } },
          });
        if (url.endsWith('/attachments/gone')) return send(404, { itemNotFound: { code: 404, message: 'nope' } });
        if (url.endsWith('/action')) {
          res.writeHead(204);
          return res.end();
        }
        send(500, { computeFault: { code: 500, message: 'boom' } });
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v3/%(project_id)s`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  const client = () =>
    new CinderClient({
      endpoint: async () => base,
      userTokens: new NoAuthTokenProvider({ actAsCaller: true }),
      adminTokens: new NoAuthTokenProvider(),
      retries: 0,
      timeoutMs: 5000,
    });

  it("asks at 3.44 in the caller's project with the caller's token", async () => {
    const v = await client().getVolume(ctx, 'v1');
    assert.equal(v.status, 'available');
    const s = seen.at(-1);
    assert.equal(s?.url, '/v3/projA/volumes/v1');
    assert.equal(s?.headers['openstack-api-version'], 'volume 3.44');
    assert.equal(s?.headers['x-auth-token'], 'alice:projA');
  });

  it("translates Cinder's refusals as Nova does", async () => {
    await assert.rejects(client().getVolume(ctx, 'missing'), (e: unknown) => e instanceof VolumeNotFound && e.message === 'Volume missing could not be found.');
    await assert.rejects(client().createVolume(ctx, { size: 1 }), OverQuota);
    await assert.rejects(
      client().attachmentCreate(ctx, 'v1', 'i1'),
      (e: unknown) => e instanceof InvalidInput && e.message === 'Invalid input received: Invalid volume: volume v1 already attached (HTTP 400) (Request-ID: req-cinder)',
    );
    await assert.rejects(client().attachmentGet(ctx, 'gone'), VolumeAttachmentNotFound);
  });

  it('sends the connector with the mountpoint and completes', async () => {
    const a = await client().attachmentUpdate(ctx, 'a1', { host: 'cmp1', ip: '10.0.0.1' }, '/dev/vdb');
    assert.equal(a.connection_info?.driver_volume_type, 'nbd');
    assert.deepEqual(seen.at(-1)?.body, { attachment: { connector: { host: 'cmp1', ip: '10.0.0.1', mountpoint: '/dev/vdb' } } });
    await client().attachmentComplete(ctx, 'a1');
    assert.deepEqual(seen.at(-1)?.body, { 'os-complete': null });
  });

  it('is CinderConnectionFailed (503) when nothing answers', async () => {
    const c = new CinderClient({
      endpoint: async () => 'http://127.0.0.1:1/v3',
      userTokens: new NoAuthTokenProvider(),
      adminTokens: new NoAuthTokenProvider(),
      retries: 0,
      timeoutMs: 2000,
    });
    await assert.rejects(c.getVolume(ctx, 'v1'), (e: unknown) => e instanceof CinderConnectionFailed && e.status === 503);
  });

  it('projectUrl substitutes or replaces the project', () => {
    assert.equal(projectUrl('http://h:8776/v3/%(project_id)s', 'p'), 'http://h:8776/v3/p');
    assert.equal(projectUrl('http://h:8776/v3/svcproject', 'p'), 'http://h:8776/v3/p');
    assert.equal(projectUrl('http://h:8776/v3', 'p'), 'http://h:8776/v3');
  });

  it('the absent service has no volumes', async () => {
    await assert.rejects(ABSENT_VOLUME_SERVICE.getVolume(ctx, 'v9'), (e: unknown) => e instanceof VolumeNotFound && e.message === 'Volume v9 could not be found.');
    assert.deepEqual(await ABSENT_VOLUME_SERVICE.listVolumes(ctx), []);
    await assert.rejects(ABSENT_VOLUME_SERVICE.createVolume(ctx, { size: 1 }), InvalidInput);
  });
});
