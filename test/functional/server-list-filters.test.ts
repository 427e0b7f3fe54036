/**
 * GET /servers filters as Nova's _get_servers and compute.api.get_all apply
 * them: the options a project member may use per microversion (others are
 * dropped), admin-only ones, regex and exact matches, status, deleted,
 * all_tenants, sorting, the IP filters (on the fixed addresses of the
 * servers' ports — access IPs do not count; with no network service yet no
 * server has one), and the query schema per microversion.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiClient, type Cloud, startCloud } from '../support/cloud.ts';

type Fault = Record<string, { code: number; message: string }>;
const message = (body: unknown) => Object.values(body as Fault)[0]?.message;

describe('server list filters as Nova', () => {
  let cloud: Cloud;
  let admin: ApiClient;
  let alice: ApiClient;
  let bob: ApiClient;
  const ids: Record<string, string> = {};
  before(async () => {
    cloud = await startCloud({ computes: ['host-a', 'host-b'] });
    admin = new ApiClient(cloud.url, 'admin:admin');
    alice = admin.as('alice:projA');
    bob = admin.as('bob:projB');
    const boot = async (c: ApiClient, name: string, extra: Record<string, unknown> = {}) => {
      ids[name] = await c.boot(name, extra);
      await c.waitFor(ids[name] ?? '', ['ACTIVE']);
    };
    await boot(alice, 'web-1', { accessIPv4: '10.1.2.3', accessIPv6: 'fe80::1' });
    await boot(alice, 'web-2');
    await boot(alice, 'db-1');
    await boot(bob, 'bob-1');
    assert.equal((await alice.post(`/servers/${ids['db-1']}/action`, { 'os-stop': null })).status, 202);
    await alice.waitFor(ids['db-1'] ?? '', ['SHUTOFF']);
  });
  after(() => cloud.stop());

  const names = async (c: ApiClient, query: string): Promise<string[]> => {
    const r = await c.get<{ servers: { name: string }[] }>(`/servers${query}`);
    assert.equal(r.status, 200, `${query}: ${JSON.stringify(r.body)}`);
    return r.body.servers.map((s) => s.name).sort();
  };
  const status = async (c: ApiClient, query: string, want: number, text?: string | RegExp) => {
    const r = await c.get(`/servers${query}`);
    assert.equal(r.status, want, `${query}: ${JSON.stringify(r.body)}`);
    if (typeof text === 'string') assert.equal(message(r.body), text);
    else if (text) assert.match(String(message(r.body)), text);
  };

  it('ip and ip6 match the fixed addresses of the ports: none without a network service, and access IPs do not count', async () => {
    for (const c of [alice, admin]) {
      assert.deepEqual(await names(c, '?ip=10.1.2.3'), []);
      assert.deepEqual(await names(c, '?ip=10'), []);
      assert.deepEqual(await names(c.at('2.5'), '?ip6=fe80'), []);
      assert.deepEqual((await c.get<{ servers: unknown[] }>('/servers/detail?ip=.*')).body.servers, []);
    }
    // Before 2.5 ip6 is an admin filter: a member's is dropped.
    assert.deepEqual(await names(alice, '?ip6=fe80'), ['db-1', 'web-1', 'web-2']);
    await status(alice, '?ip=%28', 400, "Invalid input for query parameters ip. Value: (. '(' is not a 'regex'");
  });

  it('name is a regular expression; status maps to vm and task states (an unknown one is [] before 2.38, a 400 from it)', async () => {
    assert.deepEqual(await names(alice, '?name=^web'), ['web-1', 'web-2']);
    assert.deepEqual(await names(alice, '?status=SHUTOFF'), ['db-1']);
    assert.deepEqual(await names(alice, '?status=active&status=shutoff'), ['db-1', 'web-1', 'web-2']);
    assert.deepEqual(await names(alice.at('2.37'), '?status=NOPE'), []);
    await status(alice.at('2.38'), '?status=NOPE', 400, 'Invalid status value');
    await status(alice, '?name=', 400, "Invalid input for query parameters name. Value: . '' is not a 'regex'");
  });

  it('drops the filters a member may not use (host, node…), applies them for admins; some open up at 2.83 and 2.90', async () => {
    const host = String((await admin.server(ids['web-1'] ?? ''))['OS-EXT-SRV-ATTR:host']);
    const onHost = (await names(admin, `?all_tenants=1&host=${host}`)).length;
    assert.ok(onHost >= 1 && onHost < 4);
    assert.deepEqual(await names(alice, `?host=${host}`), ['db-1', 'web-1', 'web-2']);
    assert.deepEqual(await names(admin, '?all_tenants=1&host=nowhere'), []);
    assert.deepEqual(await names(admin, '?all_tenants=1&node=^host-'), ['bob-1', 'db-1', 'web-1', 'web-2']);
    assert.deepEqual(await names(alice, '?vm_state=stopped'), ['db-1', 'web-1', 'web-2']);
    assert.deepEqual(await names(alice.at('2.83'), '?vm_state=stopped'), ['db-1']);
    assert.deepEqual(await names(alice.at('2.83'), '?power_state=4'), ['db-1']);
    assert.deepEqual(await names(alice.at('2.89'), '?hostname=^web-1$'), ['db-1', 'web-1', 'web-2']);
    assert.deepEqual(await names(alice.at('2.90'), '?hostname=^web-1$'), ['web-1']);
    assert.deepEqual(await names(admin, '?all_tenants=1&access_ip_v4=^10\\.1\\.'), ['web-1']);
  });

  it('refuses joined-table and underscore filters of admins (dropped for members); unknown parameters are a 400 from 2.75', async () => {
    await status(admin, '?metadata=x', 400, 'Invalid filter field: metadata.');
    await status(admin, '?_secret=1', 400, 'Invalid filter field: _secret.');
    assert.equal((await names(alice, '?metadata=x&_secret=1')).length, 3);
    assert.equal((await names(alice.at('2.74'), '?bogus=1')).length, 3);
    await status(alice.at('2.75'), '?bogus=1', 400, "Additional properties are not allowed ('bogus' was unexpected)");
    assert.equal((await names(alice.at('2.75'), '?_x=1')).length, 3);
  });

  it('all_tenants is a strict boolean (empty means yes); a project never sees another one without it', async () => {
    assert.deepEqual(await names(alice, '?all_tenants=0'), ['db-1', 'web-1', 'web-2']);
    await status(alice, '?all_tenants=1', 403, "Policy doesn't allow os_compute_api:servers:index:get_all_tenants to be performed.");
    await status(alice, '?all_tenants=maybe', 400, /^Invalid input received: Unrecognized value 'maybe', acceptable values are: '0', '1', 'f', 'false'/);
    assert.equal((await names(admin, '?all_tenants=')).length, 4);
    assert.deepEqual(await names(admin, '?all_tenants=1&project_id=projB'), ['bob-1']);
    assert.deepEqual(await names(admin, '?all_tenants=1&tenant_id=projB'), ['bob-1']);
    assert.deepEqual(await names(bob, '?project_id=projA'), ['bob-1'], 'project_id is the caller’s without all_tenants');
  });

  it('lists deleted servers for admins (status=DELETED, deleted=true) and with changes-since', async () => {
    const id = await alice.boot('gone');
    await alice.waitFor(id, ['ACTIVE']);
    assert.equal((await alice.delete(`/servers/${id}`)).status, 204);
    await alice.waitGone(id);
    await status(alice, '?status=DELETED', 403, 'Only administrators may list deleted instances');
    assert.deepEqual(await names(admin, '?all_tenants=1&status=DELETED'), ['gone']);
    assert.ok((await names(admin, '?all_tenants=1&deleted=true')).includes('gone'));
    assert.ok(!(await names(alice, '')).includes('gone'));
    assert.ok((await names(alice, '?changes-since=2000-01-01')).includes('gone'));
  });

  it('flavor, image, reservation_id and locked (2.73, a strict boolean) filter', async () => {
    assert.deepEqual(await names(alice, '?flavor=nope'), []);
    assert.equal((await names(alice, '?flavor=1')).length, 3);
    assert.deepEqual(await names(alice, '?image=other'), []);
    const rid = String((await admin.at('2.3').server(ids['web-2'] ?? ''))['OS-EXT-SRV-ATTR:reservation_id']);
    assert.equal((await names(alice, '?reservation_id=^r-')).length, 3, 'reservation_id is a regular expression');
    assert.deepEqual(await names(alice, `?reservation_id=^${rid}$`), ['web-2']);
    assert.equal((await alice.post(`/servers/${ids['web-2']}/action`, { lock: null })).status, 202);
    assert.deepEqual(await names(alice.at('2.73'), '?locked=true'), ['web-2']);
    assert.deepEqual(await names(alice.at('2.73'), '?locked=0'), ['db-1', 'web-1']);
    await status(alice.at('2.73'), '?locked=sure', 400, /^Invalid input received: Unrecognized value 'sure'/);
    assert.equal((await names(alice.at('2.72'), '?locked=true')).length, 3, 'locked is no filter before 2.73');
    assert.equal((await alice.post(`/servers/${ids['web-2']}/action`, { unlock: null })).status, 202);
  });

  it('sorts as Nova: valid keys only, ignored ones dropped, host/node for admins, directions checked', async () => {
    const sorted = await alice.get<{ servers: { name: string }[] }>('/servers?sort_key=display_name&sort_dir=asc');
    assert.deepEqual(
      sorted.body.servers.map((s) => s.name),
      ['db-1', 'web-1', 'web-2'],
    );
    await status(alice, '?sort_key=bogus', 400, /^Invalid input for query parameters sort_key\. Value: bogus\. 'bogus' is not one of \['access_ip_v4'/);
    assert.equal((await names(alice, '?sort_key=id&sort_dir=asc')).length, 3, 'id is accepted and ignored');
    await status(alice.at('2.75'), '?sort_key=id', 400, /'id' is not one of/);
    await status(alice, '?sort_key=host', 403, 'Only administrators can sort servers by host');
    assert.equal((await names(admin, '?all_tenants=1&sort_key=host&sort_key=display_name')).length, 4, 'admins may sort by host');
    await status(alice, '?sort_dir=sideways', 400, "Invalid input received: Unknown sort direction, must be 'desc' or 'asc'");
    await status(alice, '?sort_key=display_name&sort_dir=asc&sort_dir=desc', 400, 'Invalid input received: Sort direction size exceeds sort key size');
    await status(alice, '?marker=00000000-0000-0000-0000-000000000000', 400, 'marker [00000000-0000-0000-0000-000000000000] not found');
  });
});
