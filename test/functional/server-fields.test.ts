/**
 * Server fields whose values Nova keeps as given or derives in its own way:
 * OS-DCF:diskConfig stored and returned, accessIPv6 in its canonical form,
 * the description of a server made before 2.19, the create response's
 * security groups, hostname from 2.90, host_status, and what PUT answers
 * before and from 2.75 (the field sets are in api-samples.test.ts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiClient, type Cloud, startCloud } from '../support/cloud.ts';

type Server = Record<string, unknown>;

describe('server fields as Nova stores and shows them', () => {
  let cloud: Cloud;
  let admin: ApiClient;
  let alice: ApiClient;
  before(async () => {
    cloud = await startCloud();
    admin = new ApiClient(cloud.url, 'admin:admin');
    alice = admin.as('alice:projA');
  });
  after(() => cloud.stop());

  const create = async (c: ApiClient, server: Record<string, unknown>) => {
    const r = await c.post<{ server: Server & { id: string } }>('/servers', { server: { name: 'f', imageRef: 'cirros', flavorRef: '1', ...server } });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    await c.waitFor(r.body.server.id, ['ACTIVE']);
    return r.body.server;
  };

  it('keeps OS-DCF:diskConfig as given at create and update (MANUAL when not given and the image says nothing)', async () => {
    const auto = await create(alice, { 'OS-DCF:diskConfig': 'AUTO' });
    assert.equal(auto['OS-DCF:diskConfig'], 'AUTO');
    assert.equal((await alice.server(auto.id))['OS-DCF:diskConfig'], 'AUTO');
    const manual = await create(alice, {});
    assert.equal(manual['OS-DCF:diskConfig'], 'MANUAL');
    assert.equal((await alice.server(manual.id))['OS-DCF:diskConfig'], 'MANUAL');
    const r = await alice.put<{ server: Server }>(`/servers/${auto.id}`, { server: { 'OS-DCF:diskConfig': 'MANUAL' } });
    assert.equal(r.status, 200);
    assert.equal(r.body.server['OS-DCF:diskConfig'], 'MANUAL');
    assert.equal((await alice.server(auto.id))['OS-DCF:diskConfig'], 'MANUAL');
    const bad = await alice.put(`/servers/${auto.id}`, { server: { 'OS-DCF:diskConfig': 'auto' } });
    assert.equal(bad.status, 400);
  });

  it('stores accessIPv6 in its canonical (compressed, lower-case) form, as netaddr does', async () => {
    const s = await create(alice, { accessIPv4: '1.2.3.4', accessIPv6: '80FE:0:0:0:0:0:0:0001' });
    const shown = await alice.server(s.id);
    assert.equal(shown.accessIPv4, '1.2.3.4');
    assert.equal(shown.accessIPv6, '80fe::1');
    const r = await alice.put<{ server: Server }>(`/servers/${s.id}`, { server: { accessIPv6: '2001:DB8:0000:0000:1:0:0:1' } });
    assert.equal(r.body.server.accessIPv6, '2001:db8::1:0:0:1');
  });

  it('answers PUT with the core attributes before 2.75 and with all of them from 2.75; a lock does not stop it', async () => {
    const s = await create(alice, {});
    assert.equal((await alice.post(`/servers/${s.id}/action`, { lock: null })).status, 202);
    const old = await alice.at('2.74').put<{ server: Server }>(`/servers/${s.id}`, { server: { name: 'renamed' } });
    assert.equal(old.status, 200, JSON.stringify(old.body));
    assert.equal(old.body.server.name, 'renamed');
    for (const k of ['OS-EXT-STS:vm_state', 'OS-EXT-AZ:availability_zone', 'key_name', 'config_drive', 'OS-SRV-USG:launched_at', 'os-extended-volumes:volumes_attached']) {
      assert.equal(k in old.body.server, false, `${k} before 2.75`);
    }
    assert.equal(old.body.server.locked, true);
    const all = await alice.at('2.75').put<{ server: Server }>(`/servers/${s.id}`, { server: { name: 'renamed-again' } });
    assert.equal(all.body.server['OS-EXT-STS:vm_state'], 'active');
    assert.equal(all.body.server.key_name, null);
    assert.deepEqual(all.body.server['os-extended-volumes:volumes_attached'], []);
  });

  it('records the name as the description of a server created before 2.19', async () => {
    const s = await create(alice, { name: 'described-by-name' });
    assert.equal((await alice.at('2.19').server(s.id)).description, 'described-by-name');
    const later = await create(alice.at('2.19'), { name: 'no-description' });
    assert.equal((await alice.at('2.19').server(later.id)).description, null);
  });

  it("echoes the create request's security groups (the default group when none)", async () => {
    const r = await alice.post<{ server: Server }>('/servers', { server: { name: 'sg', imageRef: 'cirros', flavorRef: '1', security_groups: [{ name: 'web' }] } });
    assert.deepEqual(r.body.server.security_groups, [{ name: 'web' }]);
    const d = await alice.post<{ server: Server }>('/servers', { server: { name: 'sg2', imageRef: 'cirros', flavorRef: '1' } });
    assert.deepEqual(d.body.server.security_groups, [{ name: 'default' }]);
  });

  it('shows OS-EXT-SRV-ATTR:hostname to its project from 2.90 and lets PUT change it', async () => {
    const s = await create(alice.at('2.90'), { hostname: 'custom-hostname', networks: 'none' });
    const shown = await alice.at('2.90').server(s.id);
    assert.equal(shown['OS-EXT-SRV-ATTR:hostname'], 'custom-hostname');
    assert.equal('OS-EXT-SRV-ATTR:hostname' in (await alice.at('2.89').server(s.id)), false);
    const r = await alice.at('2.90').put<{ server: Server }>(`/servers/${s.id}`, { server: { hostname: 'new-server-hostname' } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.server['OS-EXT-SRV-ATTR:hostname'], 'new-server-hostname');
    const before290 = await alice.at('2.89').put(`/servers/${s.id}`, { server: { hostname: 'x1' } });
    assert.equal(before290.status, 400);
    const bad = await alice.at('2.90').put(`/servers/${s.id}`, { server: { hostname: '-bad' } });
    assert.equal(bad.status, 400);
  });

  it('derives host_status as compute.api does: forced down, then disabled, then whether the service reports', async () => {
    const s = await create(admin, {});
    const host = String((await admin.server(s.id))['OS-EXT-SRV-ATTR:host']);
    const status = async () => (await admin.at('2.16').server(s.id)).host_status;
    assert.equal(await status(), 'UP');
    const svc = (await cloud.db.services.list({ binary: 'nova-compute' })).find((x) => x.host === host);
    assert.ok(svc);
    await cloud.db.services.update(svc.id, { disabled: true });
    assert.equal(await status(), 'MAINTENANCE');
    await cloud.db.services.update(svc.id, { forced_down: true });
    assert.equal(await status(), 'DOWN');
    await cloud.db.services.update(svc.id, { disabled: false, forced_down: false });
    assert.equal(await status(), 'UP');
    assert.equal('host_status' in (await alice.at('2.16').server((await create(alice, {})).id)), false, 'admin only');
  });
});
