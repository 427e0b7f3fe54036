import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { signInstanceId } from '../../src/api/metadata/handler.ts';
import { connectDb } from '../../src/cmd/wiring.ts';
import { loadConfig } from '../../src/conf/loader.ts';
import type { DbApi } from '../../src/db/api/index.ts';
import { silentLogger } from '../../src/log.ts';
import { instanceFixture } from '../support/instances.ts';
import { Daemon, freePort, run, tmpDir, writeConf } from '../support/procs.ts';

/**
 * nova-api-metadata as its own process over a SQLite database, asked the
 * way Neutron's metadata proxy asks it: X-Instance-ID and X-Tenant-ID with
 * the HMAC-SHA256 signature of the instance id under the shared secret.
 */
describe('nova-api-metadata as a separate process', () => {
  const SECRET = 'e2e-shared-secret';
  const UUID = '3f0c6a52-7d1e-4b8a-9c2f-5e6d7a8b9c0d';
  let dir = '';
  let url = '';
  let daemon: Daemon | undefined;
  let db: DbApi | undefined;

  before(async () => {
    dir = tmpDir('nova-metadata-');
    const port = await freePort();
    const conf = writeConf(path.join(dir, 'nova.conf'), {
      DEFAULT: { state_path: dir, transport_url: 'memory://', report_interval: 1 },
      database: { connection: `sqlite:///${path.join(dir, 'nova.sqlite')}` },
      api: { metadata_listen: '127.0.0.1', metadata_listen_port: port },
      neutron: { service_metadata_proxy: true, metadata_proxy_shared_secret: SECRET },
    });
    const sync = await run('nova-manage', ['--config-file', conf, 'db', 'sync']);
    assert.equal(sync.code, 0, sync.stderr);
    db = await connectDb(loadConfig({ files: [conf] }), silentLogger());
    const {
      id: _id,
      created_at: _c,
      updated_at: _u,
      deleted_at: _d,
      deleted: _x,
      ...inst
    } = instanceFixture({
      uuid: UUID,
      project_id: 'projE',
      hostname: 'e2e-md-1',
      display_name: 'e2e-md-1',
      availability_zone: 'az-e2e',
      user_data: Buffer.from('#cloud-config\n').toString('base64'),
    });
    await db.instances.create(inst);
    daemon = new Daemon('metadata', 'nova-api-metadata', ['--config-file', conf]);
    await daemon.waitFor(/Metadata API listening/);
    url = `http://127.0.0.1:${port}`;
  });
  after(async () => {
    await daemon?.stop();
    await db?.db.close();
  });

  const signed = (id: string, tenant = 'projE', signature = signInstanceId(SECRET, id)) => ({
    'X-Instance-ID': id,
    'X-Tenant-ID': tenant,
    'X-Instance-ID-Signature': signature,
    'X-Forwarded-For': '10.0.0.7',
  });

  it('answers a signed request with the instance metadata', async () => {
    const r = await fetch(`${url}/openstack/latest/meta_data.json`, { headers: signed(UUID) });
    assert.equal(r.status, 200);
    const md = (await r.json()) as Record<string, unknown>;
    assert.equal(md.uuid, UUID);
    assert.equal(md.hostname, 'e2e-md-1.novalocal');
    assert.equal(md.availability_zone, 'az-e2e');
    assert.equal(md.project_id, 'projE');
    assert.equal(await (await fetch(`${url}/latest/meta-data/local-ipv4`, { headers: signed(UUID) })).text(), '10.0.0.7');
    assert.equal(await (await fetch(`${url}/openstack/latest/user_data`, { headers: signed(UUID) })).text(), '#cloud-config\n');
    const pw = await fetch(`${url}/openstack/latest/password`, { method: 'POST', headers: signed(UUID), body: 'ZW5jcnlwdGVk' });
    assert.equal(pw.status, 200);
    assert.equal((await db?.instances.get(UUID))?.system_metadata.password_0, 'ZW5jcnlwdGVk');
  });

  it('refuses a bad signature (403), names no other tenant (404), lists versions at / unsigned', async () => {
    const bad = await fetch(`${url}/openstack/latest/meta_data.json`, { headers: signed(UUID, 'projE', signInstanceId('wrong', UUID)) });
    assert.equal(bad.status, 403);
    assert.match(await bad.text(), /Invalid proxy request signature/);
    assert.equal((await fetch(`${url}/openstack/latest/meta_data.json`, { headers: signed(UUID, 'projOther') })).status, 404);
    assert.equal((await fetch(`${url}/openstack/latest/meta_data.json`)).status, 400);
    const root = await fetch(`${url}/`);
    assert.equal(root.status, 200);
    assert.match(await root.text(), /^1\.0\n[\s\S]*\n2009-04-04\nlatest$/);
  });
});
