import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { imageSchemaVersion, LATEST_IMAGE_SCHEMA_VERSION, syncImageSchema } from '../../src/image/db/migrate.ts';
import { dropMysqlDatabase, mysqlSkip, mysqlUrl, uniqueName } from '../support/backends.ts';
import { runImageApiSuite } from './image-api.case.ts';
import { body, createImage, type ImageHarness, startImageApi } from './image-harness.ts';

/** The image API over MariaDB (skipped when none answers on 127.0.0.1:3306, a failure in CI). */
const dbName = uniqueName('nova_image');
runImageApiSuite('MariaDB', async () => (await mysqlSkip()) ?? startImageApi({}, mysqlUrl(dbName)));

describe('image tables on MariaDB', () => {
  let skip: string | undefined;
  let h: ImageHarness;
  const name = uniqueName('nova_image');
  before(async () => {
    skip = await mysqlSkip();
    if (!skip) h = await startImageApi({}, mysqlUrl(name));
  });
  after(async () => {
    if (skip) return;
    await h.close();
    await dropMysqlDatabase(name);
    await dropMysqlDatabase(dbName);
  });

  it('db sync is idempotent and reports the latest image schema version', async (t) => {
    if (skip) return t.skip(skip);
    assert.equal(await syncImageSchema(h.db), LATEST_IMAGE_SCHEMA_VERSION);
    assert.equal(await imageSchemaVersion(h.db), LATEST_IMAGE_SCHEMA_VERSION);
  });

  it('keeps tags and property keys that differ only in case apart (binary collation); uploads work', async (t) => {
    if (skip) return t.skip(skip);
    const img = await createImage(h, { name: 'Case', tags: ['x', 'X'], Prop: 'a', prop: 'b' });
    assert.deepEqual(img.tags, ['x', 'X']);
    assert.equal(img.Prop, 'a');
    assert.equal(img.prop, 'b');
    const data = randomBytes(70_000);
    assert.equal((await h.call('PUT', `/v2/images/${img.id}/file`, { body: data })).statusCode, 204);
    const shown = body(await h.call('GET', `/v2/images/${img.id}`));
    assert.equal(shown.size, data.length);
    assert.equal(shown.status, 'active');
    const listed = body<{ images: { name: string }[] }>(await h.call('GET', '/v2/images?name=case'));
    assert.deepEqual(listed.images, []);
  });
});
