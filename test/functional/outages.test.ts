/**
 * A database outage is a clean answer on every service: 503 in the
 * service's own error format with a Retry-After, never a 500, and service
 * resumes by itself when the database is back. The outage is a TCP proxy
 * between the services and MariaDB that the test cuts, so the shared
 * MariaDB other tests use is never touched.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { dropMysqlDatabase, MYSQL_HOST, MYSQL_PORT, mysqlSkip, uniqueName } from '../support/backends.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';
import { type Harness, startApi } from './harness.ts';
import { type IdentityHarness, startIdentity } from './identity-harness.ts';
import { type ImageHarness, startImageApi } from './image-harness.ts';

describe('a database outage answers 503 with Retry-After on every service, and service resumes', () => {
  let skip: string | undefined;
  let proxy: TcpProxy | undefined;
  const database = uniqueName('nova_outage');
  let compute: Harness | undefined;
  let identity: IdentityHarness | undefined;
  let image: ImageHarness | undefined;

  before(async () => {
    skip = await mysqlSkip();
    if (skip) return;
    proxy = await startTcpProxy(MYSQL_HOST, MYSQL_PORT);
    const url = `mysql+pymysql://root:@127.0.0.1:${proxy.port}/${database}`;
    compute = await startApi({}, url);
    identity = await startIdentity({}, url);
    image = await startImageApi({}, url);
  });
  after(async () => {
    await image?.close();
    await identity?.close();
    await compute?.close();
    await proxy?.close();
    if (!skip) await dropMysqlDatabase(database);
  });

  it('the Compute API, the identity API and the image API', async (t) => {
    if (skip || !proxy || !compute || !identity || !image) return t.skip(skip);
    const login = () =>
      identity?.call('POST', '/v3/auth/tokens', {
        body: { auth: { identity: { methods: ['password'], password: { user: { name: 'admin', domain: { name: 'Default' }, password: 'Secr3t-admin' } } } } },
      });
    assert.equal((await compute.call('GET', '/v2.1/flavors')).statusCode, 200);
    assert.equal((await login())?.statusCode, 201);
    assert.equal((await image.call('GET', '/v2/images')).statusCode, 200);

    proxy.cut();
    const c = await compute.call('GET', '/v2.1/flavors');
    assert.equal(c.statusCode, 503, c.body);
    assert.equal(c.headers['retry-after'], '5');
    assert.equal(JSON.parse(c.body).serviceUnavailable.code, 503);
    const w = await compute.call('POST', '/v2.1/os-keypairs', { body: { keypair: { name: 'k1' } } });
    assert.equal(w.statusCode, 503, w.body);
    const i = await login();
    assert.equal(i?.statusCode, 503, i?.body);
    assert.equal(i?.headers['retry-after'], '5');
    assert.equal(JSON.parse(i?.body ?? '{}').error.title, 'Service Unavailable');
    const g = await image.call('GET', '/v2/images');
    assert.equal(g.statusCode, 503, g.body);
    assert.equal(g.headers['retry-after'], '5');

    proxy.restore();
    assert.equal((await compute.call('GET', '/v2.1/flavors')).statusCode, 200);
    assert.equal((await login())?.statusCode, 201);
    assert.equal((await image.call('GET', '/v2/images')).statusCode, 200);
  });
});
