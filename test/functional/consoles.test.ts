import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ApiClient, type Cloud, startCloud } from '../support/cloud.ts';
import { CONSOLE_DRIVER, consoleEndpoints } from '../support/console-driver.ts';

type Body = Record<string, Record<string, unknown>>;
const tokenOf = (url: string) => decodeURIComponent(url).split('token=')[1] as string;

/** The console API over an in-process cloud: nova-api → nova-compute (get_console_endpoint) → nova-consoleauth. */
describe('remote consoles and console auth tokens', () => {
  let cloud: Cloud;
  let api: ApiClient;
  let server = '';
  before(async () => {
    consoleEndpoints.set('novnc', { host: '127.0.0.1', port: 0, path: '/var/lib/nova/instances/x/vnc.sock' });
    consoleEndpoints.set('serial', { host: '127.0.0.1', port: 0, path: '/var/lib/nova/instances/x/serial.sock' });
    cloud = await startCloud({ overrides: { DEFAULT: { compute_driver: CONSOLE_DRIVER }, serial_console: { enabled: 'true' }, spice: { enabled: 'true' } } });
    api = new ApiClient(cloud.url);
    server = await api.boot('console-1');
    await api.waitFor(server, ['ACTIVE']);
  });
  after(() => cloud.stop());

  it("answers a noVNC URL at 2.6+ in Nova's shape, and stores only the token's hash", async () => {
    const r = await api.at('2.8').post<Body>(`/servers/${server}/remote-consoles`, { remote_console: { type: 'novnc', protocol: 'vnc' } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const rc = r.body.remote_console as { protocol: string; type: string; url: string };
    assert.deepEqual(Object.keys(rc).sort(), ['protocol', 'type', 'url']);
    assert.equal(rc.protocol, 'vnc');
    assert.equal(rc.type, 'novnc');
    assert.match(rc.url, /^http:\/\/127\.0\.0\.1:6080\/vnc_lite\.html\?path=%3Ftoken%3D[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const token = tokenOf(rc.url);
    const rows = await cloud.db.db.kysely.withTables<{ console_auth_tokens: { token_hash: string; expires: number } }>().selectFrom('console_auth_tokens').selectAll().execute();
    assert.ok(rows.some((row) => row.token_hash === createHash('sha256').update(token).digest('hex')));
    assert.ok(!JSON.stringify(rows).includes(token), 'the token itself is not stored');
  });

  it('answers serial and SPICE URLs, and the legacy actions up to 2.5', async () => {
    const serial = await api.at('2.6').post<Body>(`/servers/${server}/remote-consoles`, { remote_console: { type: 'serial', protocol: 'serial' } });
    assert.equal(serial.status, 200);
    assert.match(String(serial.body.remote_console?.url), /^ws:\/\/127\.0\.0\.1:6083\/\?token=[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    consoleEndpoints.set('spice-html5', { host: '127.0.0.1', port: 0, path: '/var/lib/nova/instances/x/spice.sock' });
    try {
      const spice = await api.at('2.6').post<Body>(`/servers/${server}/remote-consoles`, { remote_console: { type: 'spice-html5', protocol: 'spice' } });
      assert.equal(spice.status, 200);
      assert.match(String(spice.body.remote_console?.url), /^http:\/\/127\.0\.0\.1:6082\/spice_auto\.html\?token=[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      const legacySpice = await api.post<Body>(`/servers/${server}/action`, { 'os-getSPICEConsole': { type: 'spice-html5' } });
      assert.equal(legacySpice.body.console?.type, 'spice-html5');
    } finally {
      consoleEndpoints.delete('spice-html5');
    }
    const legacy = await api.post<Body>(`/servers/${server}/action`, { 'os-getVNCConsole': { type: 'novnc' } });
    assert.equal(legacy.status, 200);
    assert.equal(legacy.body.console?.type, 'novnc');
    assert.match(String(legacy.body.console?.url), /vnc_lite\.html\?path=%3Ftoken%3D/);
    const legacySerial = await api.at('2.5').post<Body>(`/servers/${server}/action`, { 'os-getSerialConsole': { type: 'serial' } });
    assert.equal(legacySerial.status, 200);
    assert.match(String(legacySerial.body.console?.url), /^ws:\/\/127\.0\.0\.1:6083\/\?token=/);
    assert.equal((await api.at('2.6').post(`/servers/${server}/action`, { 'os-getVNCConsole': { type: 'novnc' } })).status, 404);
    assert.equal((await api.at('2.5').post(`/servers/${server}/remote-consoles`, { remote_console: { type: 'novnc', protocol: 'vnc' } })).status, 404);
  });

  it("answers Nova's 400s for unknown, mismatched and unavailable console types", async () => {
    const cases: [string, unknown, RegExp][] = [
      ['2.8', { remote_console: { type: 'webmks', protocol: 'mks' } }, /^Unavailable console type webmks\.$/],
      ['2.6', { remote_console: { type: 'webmks', protocol: 'mks' } }, /Invalid input for field\/attribute/],
      ['2.6', { remote_console: { type: 'serial', protocol: 'vnc' } }, /^Invalid console type serial$/],
      ['2.6', { remote_console: { type: 'xvpvnc', protocol: 'spice' } }, /^Invalid console type xvpvnc$/],
      // RDP went with the Hyper-V driver: refused by protocol, whatever the type.
      ['2.6', { remote_console: { type: 'rdp-html5', protocol: 'rdp' } }, /^Unavailable console type rdp\.$/],
      ['2.8', { remote_console: { type: 'novnc', protocol: 'rdp' } }, /^Unavailable console type rdp\.$/],
      ['2.6', { remote_console: { type: 'spice-html5', protocol: 'spice' } }, /^Unavailable console type spice-html5\.$/],
      ['2.6', { remote_console: { type: 'novnc' } }, /'protocol' is a required property/],
      ['2.6', { console: {} }, /Invalid input/],
    ];
    for (const [v, body, msg] of cases) {
      const r = await api.at(v).post<Body>(`/servers/${server}/remote-consoles`, body);
      assert.equal(r.status, 400, `${JSON.stringify(body)}: ${JSON.stringify(r.body)}`);
      assert.match(String(r.body.badRequest?.message), msg);
    }
    const legacy = await api.post<Body>(`/servers/${server}/action`, { 'os-getSPICEConsole': { type: 'novnc' } });
    assert.equal(legacy.status, 400);
  });

  it("os-getRDPConsole: a bare 400 up to 2.5 whatever the body or server (webob's default text), 404 from 2.6", async () => {
    const bare = 'The server could not comply with the request since\r\nit is either malformed or otherwise incorrect.\r\n';
    for (const [id, body] of [
      [server, { 'os-getRDPConsole': { type: 'rdp-html5' } }],
      [server, { 'os-getRDPConsole': 'anything' }],
      ['00000000-0000-4000-8000-000000000000', { 'os-getRDPConsole': { type: 'rdp-html5' } }],
    ] as const) {
      const r = await api.at('2.5').post<Body>(`/servers/${id}/action`, body);
      assert.equal(r.status, 400);
      assert.deepEqual(r.body, { badRequest: { code: 400, message: bare } });
    }
    const later = await api.at('2.6').post<Body>(`/servers/${server}/action`, { 'os-getRDPConsole': { type: 'rdp-html5' } });
    assert.equal(later.status, 404);
  });

  it('answers 400 (never 500) to malformed bodies and odd tokens', async () => {
    const bad: unknown[] = [
      [],
      null,
      'x',
      42,
      { remote_console: [] },
      { remote_console: { protocol: 5, type: 'novnc' } },
      { remote_console: { protocol: 'vnc', type: 'novnc', extra: 1 } },
    ];
    for (const body of bad) {
      const r = await api.at('2.6').post(`/servers/${server}/remote-consoles`, body);
      assert.equal(r.status, 400, JSON.stringify(body));
    }
    for (const body of [
      { 'os-getVNCConsole': null },
      { 'os-getVNCConsole': {} },
      { 'os-getVNCConsole': { type: 'serial' } },
      { 'os-getSerialConsole': { type: 'serial', x: 1 } },
    ]) {
      const r = await api.post(`/servers/${server}/action`, body);
      assert.equal(r.status, 400, JSON.stringify(body));
    }
    const raw = await fetch(`${cloud.url}/v2.1/servers/${server}/remote-consoles`, {
      method: 'POST',
      headers: { 'X-Auth-Token': 'admin:admin', 'OpenStack-API-Version': 'compute 2.6', 'Content-Type': 'application/json' },
      body: '{"remote_console": ',
    });
    assert.equal(raw.status, 400);
    for (const token of ['%00', 'a'.repeat(99), '..%2f..', '%E2%98%83']) {
      const r = await api.at('2.31').get(`/os-console-auth-tokens/${token}`);
      assert.equal(r.status, 404, token.slice(0, 20));
    }
    assert.equal((await api.at('2.31').get(`/os-console-auth-tokens/${'a'.repeat(2000)}`)).status, 414);
  });

  it('answers 409 for a stopped server and 404 for an unknown or foreign one', async () => {
    const other = await api.boot('console-stopped');
    await api.waitFor(other, ['ACTIVE']);
    await api.post(`/servers/${other}/action`, { 'os-stop': null });
    await api.waitFor(other, ['SHUTOFF']);
    const r = await api.at('2.6').post<Body>(`/servers/${other}/remote-consoles`, { remote_console: { type: 'novnc', protocol: 'vnc' } });
    assert.equal(r.status, 409);
    assert.match(String(r.body.conflictingRequest?.message), /is not ready/);
    const missing = await api.at('2.6').post(`/servers/00000000-0000-0000-0000-000000000000/remote-consoles`, { remote_console: { type: 'novnc', protocol: 'vnc' } });
    assert.equal(missing.status, 404);
    const foreign = await api.as('alice:other-project', '2.6').post(`/servers/${server}/remote-consoles`, { remote_console: { type: 'novnc', protocol: 'vnc' } });
    assert.equal(foreign.status, 404);
  });

  it('shows a token to admins at 2.31+, and revokes the tokens when the server is deleted', async () => {
    const r = await api.at('2.6').post<Body>(`/servers/${server}/remote-consoles`, { remote_console: { type: 'novnc', protocol: 'vnc' } });
    const token = tokenOf(String(r.body.remote_console?.url));
    const shown = await api.at('2.31').get<Body>(`/os-console-auth-tokens/${token}`);
    assert.equal(shown.status, 200);
    assert.deepEqual(shown.body, { console: { instance_uuid: server, host: '127.0.0.1', port: 0, internal_access_path: '/var/lib/nova/instances/x/vnc.sock' } });
    assert.equal((await api.at('2.30').get(`/os-console-auth-tokens/${token}`)).status, 401);
    assert.equal((await api.as('demo:demo', '2.31').get(`/os-console-auth-tokens/${token}`)).status, 403);
    assert.equal((await api.at('2.31').get('/os-console-auth-tokens/made-up-token-0123456789')).status, 404);
    assert.equal((await api.delete(`/servers/${server}`)).status, 204);
    await api.waitGone(server);
    const gone = await api.at('2.31').get<Body>(`/os-console-auth-tokens/${token}`);
    assert.equal(gone.status, 404);
    assert.equal(gone.body.itemNotFound?.message, 'Token not found');
  });
});

describe('consoles that are switched off or that the driver lacks', () => {
  let cloud: Cloud;
  let api: ApiClient;
  before(async () => {
    cloud = await startCloud();
    api = new ApiClient(cloud.url, 'admin:admin', '2.6');
  });
  after(() => cloud.stop());

  it("answers 400 Unavailable console type for serial and SPICE (off by default), and the fake driver's VNC as Nova's FakeDriver", async () => {
    const id = await api.boot('no-console');
    await api.waitFor(id, ['ACTIVE']);
    for (const [protocol, type] of [
      ['serial', 'serial'],
      ['spice', 'spice-html5'],
    ]) {
      const r = await api.post<Body>(`/servers/${id}/remote-consoles`, { remote_console: { protocol, type } });
      assert.equal(r.status, 400, `${protocol}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.badRequest?.message, `Unavailable console type ${type}.`);
    }
    const vnc = await api.post<Body>(`/servers/${id}/remote-consoles`, { remote_console: { protocol: 'vnc', type: 'novnc' } });
    assert.equal(vnc.status, 200, JSON.stringify(vnc.body));
    const token = decodeURIComponent(String(vnc.body.remote_console?.url)).split('token=')[1] ?? '';
    const info = await new ApiClient(cloud.url).at('2.31').get<Body>(`/os-console-auth-tokens/${token}`);
    assert.deepEqual(info.body.console, { instance_uuid: id, host: 'fakevncconsole.com', port: 6969, internal_access_path: 'FAKE' });
  });
});
