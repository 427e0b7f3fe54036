import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openstackSkip } from '../support/backends.ts';
import { type Binary, Daemon, run, tmpDir, writeConf } from '../support/procs.ts';

/**
 * nova-identity as its own process (SQLite, a free port), bootstrapped with
 * `nova-manage bootstrap`, driven by the unmodified `openstack` client
 * (Debian python3-openstackclient): token issue, project/user create, role
 * add, role assignment list, catalog list — each output checked.
 */
describe('openstack CLI against nova-identity', () => {
  let skip: string | undefined;
  let dir = '';
  let conf = '';
  let identity: Daemon | null = null;
  let authUrl = '';
  const PASSWORD = 'e2e-Admin-pw';

  /** Run `openstack` with the given credentials, without any OS_* variables of the environment. */
  function openstack(args: string[], creds: { user: string; password: string; project: string }): Promise<{ code: number; stdout: string; stderr: string }> {
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OS_')));
    const auth = [
      '--os-auth-url',
      authUrl,
      '--os-username',
      creds.user,
      '--os-password',
      creds.password,
      '--os-project-name',
      creds.project,
      '--os-user-domain-name',
      'Default',
      '--os-project-domain-name',
      'Default',
      '--os-identity-api-version',
      '3',
    ];
    return new Promise((resolve) => {
      execFile('openstack', [...auth, ...args], { env: { ...env, HOME: dir }, timeout: 120_000 }, (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code as number) : 1) : 0;
        resolve({ code, stdout, stderr });
      });
    });
  }
  const asAdmin = (args: string[]) => openstack(args, { user: 'admin', password: PASSWORD, project: 'admin' });
  async function jsonOf<T>(args: string[]): Promise<T> {
    const r = await asAdmin([...args, '-f', 'json']);
    assert.equal(r.code, 0, `openstack ${args.join(' ')}: ${r.stderr}`);
    return JSON.parse(r.stdout) as T;
  }

  before(async () => {
    skip = await openstackSkip();
    if (skip) return;
    dir = tmpDir('nova-identity-e2e-');
    conf = writeConf(path.join(dir, 'nova.conf'), {
      DEFAULT: { state_path: path.join(dir, 'state'), my_ip: '127.0.0.1' },
      identity: { listen: '127.0.0.1', listen_port: 0 },
    });
    const sync = await run('nova-manage', ['--config-file', conf, 'db', 'sync']);
    assert.equal(sync.code, 0, sync.stderr);
    // procs.ts predates nova-identity; its Binary names the file bin/<name>.js.
    identity = new Daemon('nova-identity', 'nova-identity' as Binary, ['--config-file', conf]);
    const line = await identity.waitFor(/Identity API listening/, 60_000);
    const url = (JSON.parse(line) as { url: string }).url;
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    authUrl = `${url}/v3`;
    const boot = await run('nova-manage', ['--config-file', conf, 'bootstrap', '--bootstrap-password', PASSWORD, '--identity-url', authUrl]);
    assert.equal(boot.code, 0, boot.stderr);
    assert.match(boot.stdout, /created user admin/);
    assert.ok(!boot.stdout.includes(PASSWORD));
    const again = await run('nova-manage', ['--config-file', conf, 'bootstrap', '--bootstrap-password', PASSWORD, '--identity-url', authUrl]);
    assert.match(again.stdout, /^identity already bootstrapped: nothing to change$/m);
  });
  after(async () => {
    if (skip) return;
    const r = await identity?.stop();
    if (r) assert.equal(r.code, 0, identity?.tail());
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('openstack token issue', async (t) => {
    if (skip) return t.skip(skip);
    const tok = await jsonOf<{ id: string; expires: string; project_id: string; user_id: string }>(['token', 'issue']);
    assert.match(tok.id, /^[A-Za-z0-9_-]{43}$/);
    assert.match(tok.project_id, /^[0-9a-f]{32}$/);
    assert.match(tok.user_id, /^[0-9a-f]{32}$/);
    const expires = Date.parse(tok.expires);
    assert.ok(expires > Date.now() + 3500_000 && expires <= Date.now() + 3600_000, tok.expires);
  });

  it('nova-manage bootstrap wrote an openrc and a clouds.yaml that the client uses as they are', async (t) => {
    if (skip) return t.skip(skip);
    const state = path.join(dir, 'state');
    const openrc = fs.readFileSync(path.join(state, 'openrc'), 'utf8');
    assert.match(openrc, new RegExp(`^export OS_AUTH_URL='${authUrl.replace(/[.]/g, '\\.')}'$`, 'm'));
    assert.equal(fs.statSync(path.join(state, 'openrc')).mode & 0o777, 0o600);
    const env = { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OS_'))), HOME: dir };
    const viaOpenrc = await new Promise<{ code: number; stdout: string }>((resolve) =>
      execFile('bash', ['-c', `. '${path.join(state, 'openrc')}' && openstack token issue -f value -c project_id`], { env, timeout: 120_000 }, (err, stdout) =>
        resolve({ code: err ? 1 : 0, stdout }),
      ),
    );
    assert.equal(viaOpenrc.code, 0);
    assert.match(viaOpenrc.stdout.trim(), /^[0-9a-f]{32}$/);
    const viaClouds = await new Promise<{ code: number; stdout: string }>((resolve) =>
      execFile(
        'openstack',
        ['--os-cloud', 'nova-ts', 'token', 'issue', '-f', 'value', '-c', 'user_id'],
        { env: { ...env, OS_CLIENT_CONFIG_FILE: path.join(state, 'clouds.yaml') }, timeout: 120_000 },
        (err, stdout) => resolve({ code: err ? 1 : 0, stdout }),
      ),
    );
    assert.equal(viaClouds.code, 0);
    assert.match(viaClouds.stdout.trim(), /^[0-9a-f]{32}$/);
  });

  it('openstack project create, user create, role add, role assignment list --names', async (t) => {
    if (skip) return t.skip(skip);
    const project = await jsonOf<Record<string, unknown>>(['project', 'create', 'demo']);
    assert.equal(project.name, 'demo');
    assert.equal(project.domain_id, 'default');
    assert.equal(project.enabled, true);
    const user = await jsonOf<Record<string, unknown>>(['user', 'create', '--password', 'x', '--project', 'demo', 'alice']);
    assert.equal(user.name, 'alice');
    assert.equal(user.default_project_id, project.id);
    assert.equal(user.password, undefined);
    const add = await asAdmin(['role', 'add', '--project', 'demo', '--user', 'alice', 'member']);
    assert.equal(add.code, 0, add.stderr);
    const rows = await jsonOf<{ Role: string; User: string; Project: string }[]>(['role', 'assignment', 'list', '--names']);
    const brief = rows.map((r) => `${r.Role} ${r.User} ${r.Project}`).sort();
    assert.deepEqual(brief, [
      'admin admin@Default admin@Default',
      'admin cinder@Default service@Default',
      'admin glance@Default service@Default',
      'admin neutron@Default service@Default',
      'admin nova@Default service@Default',
      'member alice@Default demo@Default',
    ]);
    // alice can now log in to demo, with member and the implied reader role, and is no admin.
    const alice = await openstack(['token', 'issue', '-f', 'json'], { user: 'alice', password: 'x', project: 'demo' });
    assert.equal(alice.code, 0, alice.stderr);
    assert.equal((JSON.parse(alice.stdout) as { project_id: string }).project_id, project.id);
    const denied = await openstack(['user', 'list'], { user: 'alice', password: 'x', project: 'demo' });
    assert.notEqual(denied.code, 0);
    assert.match(denied.stderr, /You are not authorized to perform the requested action: identity:list_users\. \(HTTP 403\)/);
  });

  it('openstack catalog list', async (t) => {
    if (skip) return t.skip(skip);
    const catalog = await jsonOf<{ Name: string; Type: string; Endpoints: string | unknown[] }[]>(['catalog', 'list']);
    const byType = Object.fromEntries(catalog.map((c) => [c.Type, c]));
    assert.deepEqual(Object.keys(byType).sort(), ['compute', 'identity', 'image']);
    assert.equal(byType.compute?.Name, 'nova');
    assert.equal(byType.identity?.Name, 'keystone');
    assert.equal(byType.image?.Name, 'glance');
    const eps = JSON.stringify(byType.identity?.Endpoints);
    for (const iface of ['public', 'internal', 'admin']) assert.ok(eps.includes(iface), eps);
    assert.ok(eps.includes(authUrl), eps);
    assert.ok(JSON.stringify(byType.compute?.Endpoints).includes('http://127.0.0.1:8774/v2.1'));
    assert.ok(JSON.stringify(byType.image?.Endpoints).includes('http://127.0.0.1:9292'));
  });

  it('a wrong password is refused with 401', async (t) => {
    if (skip) return t.skip(skip);
    const r = await openstack(['token', 'issue'], { user: 'admin', password: 'wrong', project: 'admin' });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /The request you have made requires authentication\. \(HTTP 401\)/);
  });
});
