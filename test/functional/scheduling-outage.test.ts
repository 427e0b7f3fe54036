/**
 * A database that goes away for a moment while nova-scheduler places a
 * server (a Galera fail-over, a restart) does not put the server in ERROR:
 * the scheduler tries again, and the server becomes ACTIVE.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DBConnectionError } from '../../src/db/outage.ts';
import { ApiClient, type Cloud, startCloud } from '../support/cloud.ts';

describe('scheduling through a database outage', () => {
  let cloud: Cloud;
  let api: ApiClient;

  before(async () => {
    cloud = await startCloud({ computes: ['outage-1'] });
    api = new ApiClient(cloud.url);
  });
  after(async () => {
    await cloud?.stop();
  });

  it('claims that fail with DBConnectionError are tried again: the server becomes ACTIVE with one claim', async () => {
    const nodes = cloud.db.computeNodes;
    const claim = nodes.claim.bind(nodes);
    let failures = 2;
    nodes.claim = async (...args) => {
      if (failures-- > 0) throw new DBConnectionError('The database is unavailable: ECONNRESET');
      return claim(...args);
    };
    try {
      const id = await api.boot('through-outage');
      const server = await api.waitFor(id, ['ACTIVE', 'ERROR']);
      assert.equal(server.status, 'ACTIVE', JSON.stringify(server.fault));
      assert.equal((await nodes.allocationsOf(id)).length, 1);
      assert.ok(failures < 0, 'the claim failed twice before it went through');
    } finally {
      nodes.claim = claim;
    }
  });
});
