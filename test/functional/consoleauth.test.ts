import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/conf/loader.ts';
import { ConsoleAuthManager } from '../../src/consoleauth/manager.ts';
import { hashToken } from '../../src/consoleauth/tokens.ts';
import { adminContext } from '../../src/context.ts';
import { DbApi } from '../../src/db/api/index.ts';
import { openDatabase } from '../../src/db/connection.ts';
import { syncSchema } from '../../src/db/migrate.ts';
import { silentLogger } from '../../src/log.ts';

/** nova-consoleauth's manager over a real (SQLite) database, with a clock the test moves. */
describe('nova-consoleauth tokens', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nova-cauth-'));
  let db: DbApi;
  let now = Date.parse('2030-01-01T00:00:00Z');
  let mgr: ConsoleAuthManager;
  const ctx = adminContext();
  const grant = {
    instance_uuid: 'a0a0a0a0-0000-4000-8000-000000000001',
    console_type: 'novnc' as const,
    host: 'c1',
    port: 5900,
    internal_access_path: null,
    access_url_base: 'http://p:6080/vnc_lite.html',
  };

  before(async () => {
    const d = await openDatabase(`sqlite:///${path.join(dir, 'n.sqlite')}`);
    await syncSchema(d);
    db = new DbApi(d);
    mgr = new ConsoleAuthManager({ conf: loadConfig({ overrides: { consoleauth: { token_ttl: '30' } } }), db, log: silentLogger(), now: () => now });
  });
  after(async () => {
    await db.db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('issues random UUID tokens (as Nova), stores their SHA-256, and answers what they grant until token_ttl', async () => {
    const t1 = await mgr.authorize_console(ctx, grant);
    const t2 = await mgr.authorize_console(ctx, grant);
    assert.match(t1, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.notEqual(t1, t2);
    const info = await mgr.check_token(ctx, { token: t1 });
    assert.deepEqual(info, { ...grant, expires: now / 1000 + 30 });
    assert.ok(await db.consoleAuthTokens.validate(hashToken(t1), now / 1000));
    now += 29_000;
    assert.ok(await mgr.check_token(ctx, { token: t1 }), 'valid one second before expiry');
    now += 1_000;
    assert.equal(await mgr.check_token(ctx, { token: t1 }), null, 'expired at token_ttl');
  });

  it("refuses made-up and malformed tokens, and revokes an instance's tokens", async () => {
    for (const token of ['x'.repeat(43), '', 'bad token with spaces', 'ä'.repeat(40)]) assert.equal(await mgr.check_token(ctx, { token }), null);
    const t = await mgr.authorize_console(ctx, grant);
    const other = await mgr.authorize_console(ctx, { ...grant, instance_uuid: 'a0a0a0a0-0000-4000-8000-000000000002' });
    await mgr.delete_tokens_for_instance(ctx, { instance_uuid: grant.instance_uuid });
    assert.equal(await mgr.check_token(ctx, { token: t }), null);
    assert.ok(await mgr.check_token(ctx, { token: other }));
  });

  it('rejects grants it cannot honour, and its periodic task drops expired tokens', async () => {
    await assert.rejects(mgr.authorize_console(ctx, { ...grant, console_type: 'rdp' as 'novnc' }), /Invalid console type rdp/);
    await assert.rejects(mgr.authorize_console(ctx, { ...grant, port: 70000 }), /host and a port/);
    now += 3600_000;
    const [task] = mgr.periodicTasks();
    await task?.run();
    const left = await db.db.kysely.withTables<{ console_auth_tokens: { id: number } }>().selectFrom('console_auth_tokens').select('id').execute();
    assert.equal(left.length, 0);
  });
});
