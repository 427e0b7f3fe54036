import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { ApiVersion } from './apiversion.ts';
import { computeEndpoint, KeystonePasswordAuth, makeAuth, NoAuth, tokensUrl } from './auth.ts';
import { bootBody, bootCounts, listServers, nextMarker } from './commands/servers.ts';
import { ApiError } from './errors.ts';
import { ComputeClient, versionUrl } from './http.ts';
import { lineSink } from './progress.ts';
import { exactNameRegex, findServer } from './resolve.ts';
import type { Output, Session } from './session.ts';

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A fake Compute API (and Keystone) answering from a handler. */
function fakeServer(handler: (req: Seen) => { status: number; body?: unknown; headers?: Record<string, string> }) {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      const r: Seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      seen.push(r);
      const out = handler(r);
      res.writeHead(out.status, { 'Content-Type': 'application/json', 'x-compute-request-id': 'req-test', ...out.headers });
      res.end(out.body === undefined ? '' : JSON.stringify(out.body));
    });
  });
  return { server, seen, url: () => `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const silent: Output = { stream: process.stdout, print: () => {}, warn: () => {} };

const servers = [
  { id: 'a1', name: 'web' },
  { id: 'b2', name: 'db' },
  { id: 'c3', name: 'db' },
  { id: 'd4', name: 'web.x' },
];

const fake = fakeServer((r) => {
  const u = new URL(r.url, 'http://x');
  if (u.pathname === '/v2.1') return { status: 200, body: { version: { id: 'v2.1', version: '2.95', min_version: '2.1' } } };
  if (u.pathname === '/v3/auth/tokens') {
    return {
      status: 201,
      headers: { 'X-Subject-Token': 'tok-1' },
      body: { token: { catalog: [{ type: 'compute', endpoints: [{ interface: 'public', region: 'RegionOne', url: 'http://nova.example/v2.1' }] }] } },
    };
  }
  const one = /^\/v2\.1\/servers\/([^/]+)$/.exec(u.pathname);
  if (one && one[1] !== 'detail') {
    const s = servers.find((x) => x.id === one[1]);
    return s ? { status: 200, body: { server: s } } : { status: 404, body: { itemNotFound: { code: 404, message: `Instance ${one[1]} could not be found.` } } };
  }
  if (u.pathname === '/v2.1/servers') {
    const re = new RegExp(u.searchParams.get('name') ?? '');
    return { status: 200, body: { servers: servers.filter((s) => re.test(s.name)) } };
  }
  if (u.pathname === '/v2.1/servers/detail') {
    const marker = u.searchParams.get('marker');
    const start = marker ? servers.findIndex((s) => s.id === marker) + 1 : 0;
    const page = servers.slice(start, start + 2);
    const links = start + 2 < servers.length ? [{ rel: 'next', href: `http://elsewhere/v2.1/servers/detail?marker=${page.at(-1)?.id}` }] : undefined;
    return { status: 200, body: { servers: page, servers_links: links } };
  }
  return { status: 404, body: { itemNotFound: { code: 404, message: 'The resource could not be found.' } } };
});

before(() => new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve)));
after(() => new Promise<void>((resolve) => fake.server.close(() => resolve())));

function session(version: ApiVersion | null = null): Session {
  return { client: new ComputeClient(new NoAuth('admin:admin', `${fake.url()}/v2.1`), { version }), out: silent };
}

describe('REST client', () => {
  it('negotiates min(server max, 2.93) and sends both version headers and the token', async () => {
    fake.seen.length = 0;
    const s = session();
    await s.client.get('/servers/a1');
    assert.equal(fake.seen[0]?.url, '/v2.1');
    const h = fake.seen[1]?.headers ?? {};
    assert.equal(h['openstack-api-version'], 'compute 2.93');
    assert.equal(h['x-openstack-nova-api-version'], '2.93');
    assert.equal(h['x-auth-token'], 'admin:admin');
  });
  it('uses a fixed version without asking the server', async () => {
    fake.seen.length = 0;
    await session({ major: 2, minor: 37 }).client.get('/servers/a1');
    assert.deepEqual(
      fake.seen.map((r) => r.url),
      ['/v2.1/servers/a1'],
    );
    assert.equal(fake.seen[0]?.headers['x-openstack-nova-api-version'], '2.37');
  });
  it('turns a fault into an ApiError with the request id', async () => {
    await assert.rejects(
      session().client.get('/servers/zz'),
      (e: unknown) => e instanceof ApiError && e.message === 'Instance zz could not be found. (HTTP 404) (Request-ID: req-test)' && e.kind === 'NotFound',
    );
  });
  it('finds the version document under a legacy project URL', () => {
    assert.equal(versionUrl('http://h:8774/v2.1/abc123'), 'http://h:8774/v2.1');
    assert.equal(versionUrl('http://h:8774/v2.1/'), 'http://h:8774/v2.1');
  });
});

describe('name-or-id lookups', () => {
  it('gets by id first', async () => assert.equal((await findServer(session().client, 'a1')).name, 'web'));
  it('falls back to an exact name match', async () => {
    fake.seen.length = 0;
    assert.equal((await findServer(session().client, 'web')).id, 'a1');
    assert.ok(fake.seen.some((r) => r.url === `/v2.1/servers?name=${encodeURIComponent('^web$')}`));
  });
  it('escapes regex characters in names', () => assert.equal(exactNameRegex('web.x'), '^web\\.x$'));
  it('reports no match and several matches as novaclient', async () => {
    await assert.rejects(findServer(session().client, 'nope'), { message: "No server with a name or ID of 'nope' exists." });
    await assert.rejects(findServer(session().client, 'db'), { message: "Multiple server matches found for 'db', use an ID to be more specific." });
  });
});

describe('server listing and boot bodies', () => {
  it('follows servers_links to the end, unless a limit is given', async () => {
    const all = await listServers(session(), {});
    assert.deepEqual(
      all.map((s) => s.id),
      ['a1', 'b2', 'c3', 'd4'],
    );
    assert.equal((await listServers(session(), { limit: '2' })).length, 2);
    assert.equal(nextMarker([{ rel: 'next', href: 'http://h/v2.1/servers/detail?limit=1&marker=m1' }]), 'm1');
    assert.equal(nextMarker(undefined), null);
  });
  it('builds the POST /servers body as novaclient', () => {
    const body = bootBody(
      'vm',
      '1',
      { flavor: 'm1.tiny', image: 'img', meta: ['a=b'], hint: ['group=g'], minCount: '2', keyName: 'k' },
      { description: true, networks: true },
      'hi',
    );
    assert.deepEqual(body, {
      server: { name: 'vm', imageRef: 'img', flavorRef: '1', min_count: 2, max_count: 2, metadata: { a: 'b' }, key_name: 'k', user_data: 'aGk=', networks: 'auto' },
      'os:scheduler_hints': { group: 'g' },
    });
    assert.throws(() => bootBody('vm', '1', { flavor: 'f', image: 'i', description: 'd' }, { description: false, networks: false }), /only allowed since microversion 2.19/);
    assert.deepEqual(bootCounts(undefined, '3'), { min: 1, max: 3 });
    assert.throws(() => bootCounts('3', '2'), /min_count should be <= max_count/);
  });
  it('prints one progress line per state change', () => {
    const lines: string[] = [];
    const sink = lineSink('vm1', (l) => lines.push(l));
    for (const [status, taskState] of [
      ['BUILD', 'scheduling'],
      ['BUILD', 'scheduling'],
      ['BUILD', 'spawning'],
      ['ACTIVE', null],
    ] as const)
      sink.update({ status, taskState, progress: 0 });
    assert.deepEqual(lines, ['Server vm1: BUILD (scheduling)', 'Server vm1: BUILD (spawning)', 'Server vm1: ACTIVE']);
  });
});

describe('authentication', () => {
  it('selects noauth with a token, Keystone with an auth URL', () => {
    assert.ok(makeAuth({ token: 'a:b', endpoint: 'http://h/v2.1' }) instanceof NoAuth);
    assert.ok(makeAuth({ authUrl: 'http://k:5000', username: 'u', password: 'p', projectName: 'p' }) instanceof KeystonePasswordAuth);
    assert.throws(() => makeAuth({ token: 'a:b' }), /endpoint/);
    assert.throws(() => makeAuth({}), /You must provide credentials/);
  });
  it('builds the v3 password request and reads the catalog', async () => {
    assert.equal(tokensUrl('http://k:5000'), 'http://k:5000/v3/auth/tokens');
    assert.equal(tokensUrl('http://k:5000/v3/'), 'http://k:5000/v3/auth/tokens');
    assert.throws(() => computeEndpoint([], 'public'), /public endpoint for compute service not found/);
    const auth = new KeystonePasswordAuth({ authUrl: fake.url(), username: 'alice', password: 'secret', projectName: 'demo' });
    assert.deepEqual(await auth.headers(), { 'X-Auth-Token': 'tok-1' });
    assert.equal(await auth.endpoint(), 'http://nova.example/v2.1');
    const sent = JSON.parse(fake.seen.find((r) => r.url === '/v3/auth/tokens')?.body ?? '{}');
    assert.deepEqual(sent.auth.identity.password.user, { name: 'alice', domain: { name: 'Default' }, password: 'secret' });
    assert.deepEqual(sent.auth.scope.project, { name: 'demo', domain: { name: 'Default' } });
  });
});
