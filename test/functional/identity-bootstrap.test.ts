import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { renderClientConfig } from '../../src/clients/clouds-yaml.ts';
import { bootstrapCommand, bootstrapIdentity, defaultEndpointUrls, generatePassword, isIdentityBootstrapped } from '../../src/identity/bootstrap.ts';
import { syncIdentitySchema } from '../../src/identity/db/migrate.ts';
import { dropMysqlDatabase, mysqlSkip, mysqlUrl, uniqueName } from '../support/backends.ts';
import { ADMIN_PASSWORD, type IdentityHarness, json, SERVICE_PASSWORD, startIdentity, URLS } from './identity-harness.ts';

describe('identity: bootstrap', () => {
  let h: IdentityHarness;
  before(async () => {
    h = await startIdentity();
  });
  after(async () => {
    await h.close();
  });

  const counts = async () => ({
    domains: (await h.db.domains.list()).length,
    projects: (await h.db.projects.list()).map((p) => p.name),
    users: (await h.db.users.list()).map((u) => u.name),
    roles: (await h.db.roles.list()).map((r) => r.name),
    assignments: (await h.db.assignments.list()).length,
    services: (await h.db.catalog.listServices()).map((s) => `${s.type}:${s.name}`),
    endpoints: (await h.db.catalog.listEndpoints()).length,
    regions: (await h.db.catalog.listRegions()).map((r) => r.id),
  });

  it('creates the default domain, roles, admin and service projects and users, and the catalog', async () => {
    assert.deepEqual(await counts(), {
      domains: 1,
      projects: ['admin', 'service'],
      users: ['admin', 'cinder', 'glance', 'neutron', 'nova'],
      roles: ['admin', 'member', 'reader'],
      assignments: 5,
      services: ['compute:nova', 'identity:keystone', 'image:glance'],
      endpoints: 9,
      regions: ['RegionOne'],
    });
    assert.equal(h.boot.changes.length > 10, true);
    for (const user of ['nova', 'glance', 'cinder']) assert.equal((await h.login(user, SERVICE_PASSWORD, 'service')).statusCode, 201, user);
  });

  it('is idempotent: a second run changes nothing and keeps the ids', async () => {
    const again = await bootstrapIdentity(h.conn, { adminPassword: ADMIN_PASSWORD, servicePassword: SERVICE_PASSWORD, ...URLS });
    assert.deepEqual(again.changes, []);
    assert.equal(again.adminUserId, h.boot.adminUserId);
    assert.equal(again.adminProjectId, h.boot.adminProjectId);
    assert.equal(again.serviceProjectId, h.boot.serviceProjectId);
    assert.equal((await counts()).endpoints, 9);
    assert.equal(await syncIdentitySchema(h.conn), 1);
  });

  it('brings passwords and endpoint URLs to the given values', async () => {
    const r = await bootstrapIdentity(h.conn, { adminPassword: 'other-pw', servicePassword: SERVICE_PASSWORD, ...URLS, computeUrl: 'http://10.9.9.9:8774/v2.1' });
    assert.deepEqual(r.changes, [
      'reset the password of user admin',
      'updated public endpoint of nova: http://10.9.9.9:8774/v2.1',
      'updated internal endpoint of nova: http://10.9.9.9:8774/v2.1',
      'updated admin endpoint of nova: http://10.9.9.9:8774/v2.1',
    ]);
    assert.equal((await h.login('admin', ADMIN_PASSWORD, 'admin')).statusCode, 401);
    assert.equal((await h.login('admin', 'other-pw', 'admin')).statusCode, 201);
    const text = await bootstrapCommand(
      { DEFAULT: { my_ip: '10.0.0.5' }, identity: { public_url: null, listen_port: 5000 }, api: { osapi_compute_listen_port: 8774 } },
      h.conn,
      { servicePassword: SERVICE_PASSWORD },
      { OS_BOOTSTRAP_PASSWORD: ADMIN_PASSWORD },
    );
    assert.match(text, /^reset the password of user admin\nupdated public endpoint of nova: http:\/\/10\.0\.0\.5:8774\/v2\.1\n/);
    assert.ok(!text.includes(ADMIN_PASSWORD));
    await assert.rejects(
      bootstrapCommand({ DEFAULT: { my_ip: 'x' }, identity: { public_url: null, listen_port: 5000 }, api: { osapi_compute_listen_port: 8774 } }, h.conn, {}, {}),
      /--bootstrap-password/,
    );
  });

  it('tells whether bootstrap ran, and generates passwords', async () => {
    assert.equal(await isIdentityBootstrapped(h.conn), true);
    assert.equal(await isIdentityBootstrapped(h.conn, 'nobody'), false);
    assert.match(generatePassword(), /^[A-Za-z0-9_-]{24}$/);
    assert.notEqual(generatePassword(), generatePassword());
  });

  it('registers the volume service as volumev3 and block-storage when given its URL', async () => {
    const r = await bootstrapIdentity(h.conn, { adminPassword: 'other-pw', servicePassword: SERVICE_PASSWORD, ...URLS, volumeUrl: 'http://192.0.2.7:8776/v3' });
    assert.ok(r.changes.includes('created service cinderv3 (volumev3)'), r.changes.join('; '));
    assert.ok(r.changes.includes('created public endpoint of cinder: http://192.0.2.7:8776/v3'));
    const services = (await h.db.catalog.listServices()).map((s) => `${s.type}:${s.name}`);
    assert.ok(services.includes('volumev3:cinderv3') && services.includes('block-storage:cinder'));
  });

  it('computes default endpoint URLs from my_ip', () => {
    assert.deepEqual(defaultEndpointUrls('192.0.2.7'), {
      computeUrl: 'http://192.0.2.7:8774/v2.1',
      identityUrl: 'http://192.0.2.7:5000/v3',
      imageUrl: 'http://192.0.2.7:9292',
      networkUrl: 'http://192.0.2.7:9696',
      volumeUrl: 'http://192.0.2.7:8776/v3',
    });
    assert.equal(defaultEndpointUrls('fd00::1').identityUrl, 'http://[fd00::1]:5000/v3');
  });

  it('renders a clouds.yaml and an openrc for given credentials (quoting what needs it)', () => {
    const { cloudsYaml, openrc } = renderClientConfig({ authUrl: 'http://10.0.0.5:5000/v3', username: 'admin', password: 'it\'s "secret"', projectName: 'admin' });
    assert.equal(
      cloudsYaml,
      [
        'clouds:',
        '  "nova-ts":',
        '    auth:',
        '      auth_url: "http://10.0.0.5:5000/v3"',
        '      username: "admin"',
        `      password: "it's \\"secret\\""`,
        '      project_name: "admin"',
        '      user_domain_name: "Default"',
        '      project_domain_name: "Default"',
        '    region_name: "RegionOne"',
        '    interface: "public"',
        '    identity_api_version: 3',
        '',
      ].join('\n'),
    );
    assert.match(openrc, /^export OS_AUTH_URL='http:\/\/10\.0\.0\.5:5000\/v3'\n/m);
    assert.match(openrc, /^export OS_PASSWORD='it'\\''s "secret"'$/m);
    assert.match(openrc, /^export OS_IDENTITY_API_VERSION='3'$/m);
  });
});

describe('identity on MariaDB', () => {
  let skip: string | undefined;
  let h: IdentityHarness;
  const database = uniqueName('nova_identity');
  before(async () => {
    skip = await mysqlSkip();
    if (skip) return;
    h = await startIdentity({}, mysqlUrl(database));
  });
  after(async () => {
    if (skip) return;
    await h.close();
    await dropMysqlDatabase(database);
  });

  it('migrates, bootstraps idempotently, issues, validates and revokes tokens', async (t) => {
    if (skip) return t.skip(skip);
    assert.equal(await syncIdentitySchema(h.conn), 1);
    assert.deepEqual((await bootstrapIdentity(h.conn, { adminPassword: ADMIN_PASSWORD, servicePassword: SERVICE_PASSWORD, ...URLS })).changes, []);
    const admin = await h.token('admin', ADMIN_PASSWORD, 'admin');
    const project = await h.call('POST', '/v3/projects', { token: admin, body: { project: { name: 'demo', tags: ['x'] } } });
    assert.equal(project.statusCode, 201, project.body);
    assert.equal((await h.call('POST', '/v3/projects', { token: admin, body: { project: { name: 'demo' } } })).statusCode, 409);
    const user = await h.call('POST', '/v3/users', {
      token: admin,
      body: { user: { name: 'alice', password: 'pw', default_project_id: json<{ project: { id: string } }>(project).project.id } },
    });
    assert.equal(user.statusCode, 201, user.body);
    const roles = await h.call('GET', '/v3/roles?name=member', { token: admin });
    const member = json<{ roles: { id: string }[] }>(roles).roles[0]?.id;
    const grant = `/v3/projects/${json<{ project: { id: string } }>(project).project.id}/users/${json<{ user: { id: string } }>(user).user.id}/roles/${member}`;
    assert.equal((await h.call('PUT', grant, { token: admin })).statusCode, 204);
    const alice = await h.token('alice', 'pw');
    const validated = await h.call('GET', '/v3/auth/tokens', { token: admin, subject: alice });
    assert.equal(validated.statusCode, 200, validated.body);
    assert.deepEqual(
      json<{ token: { roles: { name: string }[] } }>(validated)
        .token.roles.map((r) => r.name)
        .sort(),
      ['member', 'reader'],
    );
    assert.equal((await h.call('DELETE', '/v3/auth/tokens', { token: admin, subject: alice })).statusCode, 204);
    assert.equal((await h.call('GET', '/v3/auth/projects', { token: alice })).statusCode, 401);
  });
});
