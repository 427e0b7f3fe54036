import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../conf/loader.ts';
import { DbApi } from '../db/api/index.ts';
import { openDatabase } from '../db/connection.ts';
import { syncSchema } from '../db/migrate.ts';
import { statementCounts, statementDelta } from '../db/statement-stats.ts';
import { OverQuota } from '../exception/resources.ts';
import { UserInstanceQuota } from './quota-classes.ts';

describe('quota check of a boot', () => {
  it('reads the default class, project and user limits in one statement, and still applies each', async () => {
    const db = await openDatabase('sqlite://');
    try {
      await syncSchema(db);
      const api = new DbApi(db);
      const conf = loadConfig({ overrides: { quota: { instances: '-1', cores: '-1', ram: '-1' } } });
      const quota = new UserInstanceQuota({ conf, db: api });
      const flavor = await api.flavors.getByFlavorId('1');
      const ctx = { user_id: 'u', project_id: 'p' } as Parameters<UserInstanceQuota['checkInstances']>[0];
      const before = statementCounts();
      await quota.checkInstances(ctx, 'p', 'u', 1, flavor);
      assert.equal(statementDelta(before, statementCounts()).total, 1, 'unlimited: the limits only, nothing counted');
      // Each source still counts: the default class, then the project's own, then the user's own.
      await api.quotaClasses.set('default', 'instances', 0);
      await assert.rejects(quota.checkInstances(ctx, 'p', 'u', 1, flavor), OverQuota);
      await api.quotas.set('p', 'instances', 5);
      await quota.checkInstances(ctx, 'p', 'u', 1, flavor);
      await api.userQuotas.set('p', 'u', 'instances', 0);
      await assert.rejects(quota.checkInstances(ctx, 'p', 'u', 1, flavor), OverQuota);
    } finally {
      await db.close();
    }
  });
});
