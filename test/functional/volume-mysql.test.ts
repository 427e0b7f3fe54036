import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LATEST_VOLUME_SCHEMA_VERSION, syncVolumeSchema, volumeSchemaVersion } from '../../src/volume/db/migrate.ts';
import { dropMysqlDatabase, mysqlSkip, mysqlUrl, uniqueName } from '../support/backends.ts';
import { runVolumeApiSuite } from './volume-api.case.ts';
import { ALICE, startVolumeApi, type VolumeHarness } from './volume-harness.ts';

/** The volume API over MariaDB (skipped when none answers on 127.0.0.1:3306, a failure in CI). */
const suiteDb = uniqueName('nova_volume');
runVolumeApiSuite('MariaDB', async () => (await mysqlSkip()) ?? startVolumeApi({}, mysqlUrl(suiteDb)));

describe('volume state on MariaDB under concurrency', () => {
  let skip: string | undefined;
  const name = uniqueName('nova_volume');
  let a: VolumeHarness;
  let b: VolumeHarness;
  before(async () => {
    skip = await mysqlSkip();
    if (skip) return;
    // Two volume services on one database, started at once: one __DEFAULT__ type.
    [a, b] = await Promise.all([startVolumeApi({}, mysqlUrl(name)), startVolumeApi({}, mysqlUrl(name))]);
  });
  after(async () => {
    if (skip) return;
    await a?.close();
    await b?.close();
    await dropMysqlDatabase(name);
    await dropMysqlDatabase(suiteDb);
  });

  it('db sync is idempotent; two services starting at once agree on one __DEFAULT__ type', async (t) => {
    if (skip) return t.skip(skip);
    assert.equal(await syncVolumeSchema(a.db), LATEST_VOLUME_SCHEMA_VERSION);
    assert.equal(await volumeSchemaVersion(a.db), LATEST_VOLUME_SCHEMA_VERSION);
    assert.deepEqual(
      (await b.call('GET', '/v3/types')).body.volume_types.map((x: { name: string }) => x.name),
      ['__DEFAULT__'],
    );
  });

  it('one of 20 concurrent attachment creates for one volume wins (the reserve is a conditional update)', async (t) => {
    if (skip) return t.skip(skip);
    const v = await a.volume();
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).call('POST', '/v3/attachments', { attachment: { volume_uuid: v.id, instance_uuid: `srv-${i}` } }, ALICE, '3.44')),
    );
    assert.equal(answers.filter((r) => r.status === 200).length, 1, JSON.stringify(answers.map((r) => r.status)));
    assert.ok(answers.filter((r) => r.status !== 200).every((r) => r.status === 400));
    assert.equal((await a.call('GET', `/v3/attachments?volume_id=${v.id}`, undefined, ALICE, '3.44')).body.attachments.length, 1);
  });
});
