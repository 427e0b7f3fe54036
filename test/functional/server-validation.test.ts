/**
 * POST /servers validated as Nova's schemas/servers.py per microversion and
 * the checks of servers.py and compute.api after it: metadata keys,
 * base64 user data and personality (with the injected_files quotas),
 * requested networks (form only: there is no network service), names,
 * booleans; and changes-since/changes-before as ISO 8601.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiClient, type Cloud, startCloud } from '../support/cloud.ts';

type Fault = Record<string, { code: number; message: string }>;
const message = (body: unknown) => Object.values(body as Fault)[0]?.message;
const NET = '3cb9bc59-5699-4588-a4b1-b87f96708bc6';
const PORT = '9f2ad7e5-1b2d-4a3c-8b6e-0a1b2c3d4e5f';

describe('server create validation as Nova', () => {
  let cloud: Cloud;
  let alice: ApiClient;
  let admin: ApiClient;
  before(async () => {
    cloud = await startCloud();
    admin = new ApiClient(cloud.url, 'admin:admin');
    alice = admin.as('alice:projA');
  });
  after(() => cloud.stop());

  const boot = (c: ApiClient, server: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    c.post('/servers', { server: { name: 'v', imageRef: 'cirros', flavorRef: '1', ...server }, ...extra });
  const refused = async (c: ApiClient, server: Record<string, unknown>, status: number, text: string | RegExp) => {
    const r = await boot(c, server);
    assert.equal(r.status, status, JSON.stringify(r.body));
    if (typeof text === 'string') assert.equal(message(r.body), text);
    else assert.match(String(message(r.body)), text);
  };

  it('takes metadata keys of 1 to 255 of the allowed characters and values of at most 255', async () => {
    const pattern = "'^[a-zA-Z0-9-_:. ]{1,255}$'";
    await refused(alice, { metadata: { '': 'v' } }, 400, `Invalid input for field/attribute metadata. Value: {'': 'v'}. '' does not match any of the regexes: ${pattern}`);
    const long = 'k'.repeat(256);
    await refused(
      alice,
      { metadata: { [long]: 'v' } },
      400,
      `Invalid input for field/attribute metadata. Value: {'${long}': 'v'}. '${long}' does not match any of the regexes: ${pattern}`,
    );
    await refused(alice, { metadata: { 'b/c': 'v', 'a/b': 'v' } }, 400, /'a\/b', 'b\/c' do not match any of the regexes/);
    await refused(alice, { metadata: { a: 'v'.repeat(256) } }, 400, /^Invalid input for field\/attribute a\. Value: v{256}\. 'v{256}' is too long$/);
    await refused(alice, { metadata: { a: 1 } }, 400, "Invalid input for field/attribute a. Value: 1. 1 is not of type 'string'");
    const ok = await boot(alice, { metadata: { ['k'.repeat(255)]: 'v'.repeat(255), 'My Server Name': 'Apache1', 'a-b_c:d.e': '' } });
    assert.equal(ok.status, 202, JSON.stringify(ok.body));
  });

  it('wants user data and personality contents in base64', async () => {
    await refused(alice, { user_data: 'A random string' }, 400, "Invalid input for field/attribute user_data. Value: A random string. 'A random string' is not a 'base64'");
    await refused(alice, { user_data: null }, 400, "Invalid input for field/attribute user_data. Value: None. None is not of type 'string'");
    await refused(alice, { personality: [{ path: '/etc/motd', contents: 'abc' }] }, 400, "Invalid input for field/attribute contents. Value: abc. 'abc' is not a 'base64'");
    await refused(alice, { personality: [{ path: '/etc/motd', contents: 'aGk=', mode: 1 }] }, 400, /Additional properties are not allowed \('mode' was unexpected\)/);
    // Python's b64decode skips what is not in the alphabet: whitespace and line breaks are fine.
    assert.equal((await boot(alice, { user_data: 'aGVs\nbG8g d29y bGQ=', personality: [{ path: '/etc/motd', contents: 'aGVsbG8=' }] })).status, 202);
    const late = await boot(alice.at('2.57'), { personality: [{ path: '/etc/motd', contents: 'aGk=' }], networks: 'none' });
    assert.equal(late.status, 400);
    assert.match(String(message(late.body)), /'personality' was unexpected/);
  });

  it('counts personality files against the injected_files quotas (maxPersonality), as 403s', async () => {
    const file = (path: string, contents = 'aGk=') => ({ path, contents });
    const limits = await alice.get<{ limits: { absolute: Record<string, number> } }>('/limits');
    assert.equal(limits.body.limits.absolute.maxPersonality, 5);
    await refused(alice, { personality: Array.from({ length: 6 }, (_, i) => file(`/f${i}`)) }, 403, 'Personality file limit exceeded');
    await refused(alice, { personality: [file(`/${'p'.repeat(255)}`)] }, 403, 'Personality file path exceeds maximum 255');
    await refused(alice, { personality: [file('/f', 'QUFB'.repeat(2561))] }, 403, 'Personality file content exceeds maximum 10240');
    assert.equal((await admin.put('/os-quota-sets/projA', { quota_set: { injected_files: 1 } })).status, 200);
    assert.equal((await alice.get<{ limits: { absolute: Record<string, number> } }>('/limits')).body.limits.absolute.maxPersonality, 1);
    await refused(alice, { personality: [file('/a'), file('/b')] }, 403, 'Personality file limit exceeded');
    assert.equal((await boot(alice, { personality: [file('/a')] })).status, 202);
    assert.equal((await admin.delete('/os-quota-sets/projA')).status, 202);
  });

  it('checks the form of requested networks: uuids, fixed IPs, ports (a list before 2.37, or auto/none after)', async () => {
    await refused(alice, { networks: [{ uuid: 'not-a-uuid' }] }, 400, 'Bad networks format: network uuid is not in proper format (not-a-uuid)');
    await refused(alice, { networks: [{ fixed_ip: '10.0.0.5' }] }, 400, "Bad network format: missing 'uuid'");
    await refused(alice, { networks: [{ port: PORT }, { port: PORT }] }, 400, `Port ID '${PORT}' was specified twice: you cannot attach a port multiple times.`);
    await refused(
      alice,
      { networks: [{ port: PORT, fixed_ip: '10.0.0.5' }] },
      400,
      `Specified Fixed IP '10.0.0.5' cannot be used with port '${PORT}': the two cannot be specified together.`,
    );
    await refused(
      alice,
      { networks: [{ uuid: NET, fixed_ip: '10.0.0.300' }] },
      400,
      "Invalid input for field/attribute fixed_ip. Value: 10.0.0.300. '10.0.0.300' is not valid under any of the given schemas",
    );
    await refused(alice, { networks: [{ uuid: NET, tag: 'nic1' }] }, 400, /'tag' was unexpected/);
    await refused(alice, { networks: 'auto' }, 400, "Invalid input for field/attribute networks. Value: auto. 'auto' is not of type 'array'");
    assert.equal((await boot(alice, { networks: [{ uuid: NET, fixed_ip: 'fe80::1' }, { port: PORT }] })).status, 202);
    assert.equal((await boot(alice.at('2.32'), { networks: [{ uuid: NET, tag: 'nic1' }] })).status, 202);
    const v237 = alice.at('2.37');
    await refused(v237, {}, 400, "Invalid input for field/attribute server. Value: {'name': 'v', 'imageRef': 'cirros', 'flavorRef': '1'}. 'networks' is a required property");
    await refused(
      v237,
      { networks: [{ uuid: 'x' }] },
      400,
      "Invalid input for field/attribute networks. Value: [{'uuid': 'x'}]. [{'uuid': 'x'}] is not valid under any of the given schemas",
    );
    await refused(v237, { networks: 'some' }, 400, "Invalid input for field/attribute networks. Value: some. 'some' is not valid under any of the given schemas");
    await refused(v237, { networks: [{ uuid: NET, tag: 'nic1' }] }, 400, /not valid under any of the given schemas/);
    for (const networks of ['auto', 'none', [{ uuid: NET }]]) assert.equal((await boot(v237, { networks })).status, 202);
    assert.equal((await boot(alice.at('2.42'), { networks: [{ uuid: NET, tag: 'nic1' }] })).status, 202);
  });

  it("answers Nova's InvalidName for names with surrounding whitespace, and reads booleans as Nova does", async () => {
    const invalidName = "An invalid 'name' value was provided. The name must be: printable characters. Can not start or end with whitespace.";
    await refused(alice, { name: ' padded' }, 400, invalidName);
    await refused(alice, { availability_zone: 'nova ' }, 400, invalidName);
    await refused(alice, { config_drive: 'maybe' }, 400, /^Invalid input for field\/attribute config_drive\. Value: maybe\. 'maybe' is not one of \[True, 'True'/);
    const r = await boot(alice, { return_reservation_id: 'True' });
    assert.equal(r.status, 202);
    assert.match(String((r.body as { reservation_id?: string }).reservation_id), /^r-/);
    await refused(alice, { min_count: '0' }, 400, 'Invalid input for field/attribute min_count. Value: 0. 0 is less than the minimum of 1');
    await refused(alice, { min_count: 3, max_count: 2 }, 400, 'min_count must be <= max_count');
    await refused(alice.at('2.19'), { description: 'tab\there' }, 400, /^Invalid input for field\/attribute description\. Value: tab\there\. 'tab\\there' does not match/);
  });

  it('wants changes-since and changes-before in ISO 8601 (as Python reads it)', async () => {
    for (const [param, version] of [
      ['changes-since', '2.1'],
      ['changes-before', '2.66'],
    ] as const) {
      for (const bad of ['yesterday', '2016/06/23', '2016-13-01', 'Jan 1 2020']) {
        const r = await alice.at(version).get(`/servers?${param}=${encodeURIComponent(bad)}`);
        assert.equal(r.status, 400, bad);
        assert.equal(message(r.body), `Invalid input for query parameters ${param}. Value: ${bad}. '${bad}' is not a 'date-time'`);
      }
      for (const good of ['2016-06-23T13:42:01.000000', '2016-06-23T13:42:01Z', '2016-06-23T13:42:01+02:00', '2016-06-23', '2016']) {
        assert.equal((await alice.at(version).get(`/servers?${param}=${encodeURIComponent(good)}`)).status, 200, good);
      }
    }
    // Before 2.66 changes-before is not a parameter: it is dropped, not checked.
    assert.equal((await alice.get('/servers?changes-before=yesterday')).status, 200);
    const r = await alice.at('2.66').get('/servers?changes-since=2020-01-02&changes-before=2020-01-01');
    assert.equal(message(r.body), 'The value of changes-since must be less than or equal to changes-before.');
  });
});
