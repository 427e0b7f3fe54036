import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ServiceDTO } from '../../src/objects/service.ts';
import { ALICE, createComputeHost, createInstance, createService, type Harness, json, policyMessage, startApi } from './harness.ts';

type Service = Record<string, unknown>;
type Fault = Record<string, { code: number; message: string }>;

const msg = (res: { body: string }) => (Object.values(JSON.parse(res.body) as Fault)[0] as { message: string }).message;

describe('os-services', () => {
  let h: Harness;
  let compute1: ServiceDTO;
  let compute2: ServiceDTO;
  let scheduler: ServiceDTO;

  before(async () => {
    h = await startApi();
    scheduler = await createService(h.db, 'ctl', 'nova-scheduler');
    await createService(h.db, 'ctl', 'nova-conductor');
    await createService(h.db, 'ctl', 'nova-osapi_compute');
    compute1 = (await createComputeHost(h.db, 'cmp-1')).service;
    compute2 = (await createComputeHost(h.db, 'cmp-2', { up: false, disabled: true, disabledReason: 'maintenance' })).service;
  });
  after(async () => {
    await h.close();
  });

  it('GET /os-services at 2.69 has the trace keys; API services are hidden', async () => {
    const res = await h.call('GET', '/v2.1/os-services', { version: '2.69' });
    assert.equal(res.statusCode, 200);
    const services = json<{ services: Service[] }>(res).services;
    assert.deepEqual(
      services.map((s) => s.binary),
      ['nova-scheduler', 'nova-conductor', 'nova-compute', 'nova-compute'],
    );
    const s = services[0] as Service;
    assert.deepEqual(Object.keys(s), ['binary', 'host', 'id', 'zone', 'status', 'state', 'updated_at', 'disabled_reason', 'forced_down']);
    assert.equal(s.id, scheduler.uuid);
    assert.equal(s.zone, 'internal');
    assert.equal(s.state, 'up');
    assert.equal(s.status, 'enabled');
    assert.match(s.updated_at as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
    const down = services[3] as Service;
    assert.equal(down.zone, 'nova');
    assert.equal(down.state, 'down');
    assert.equal(down.status, 'disabled');
    assert.equal(down.disabled_reason, 'maintenance');
  });

  it('integer ids before 2.53, no forced_down before 2.11', async () => {
    const s = json<{ services: Service[] }>(await h.call('GET', '/v2.1/os-services')).services[0] as Service;
    assert.equal(s.id, scheduler.id);
    assert.equal(s.forced_down, undefined);
    const s211 = json<{ services: Service[] }>(await h.call('GET', '/v2.1/os-services', { version: '2.11' })).services[0] as Service;
    assert.equal(s211.forced_down, false);
    assert.equal(s211.id, scheduler.id);
  });

  it('filters by host and binary', async () => {
    let services = json<{ services: Service[] }>(await h.call('GET', '/v2.1/os-services?binary=nova-compute')).services;
    assert.deepEqual(
      services.map((s) => s.host),
      ['cmp-1', 'cmp-2'],
    );
    services = json<{ services: Service[] }>(await h.call('GET', '/v2.1/os-services?host=ctl&binary=nova-conductor')).services;
    assert.equal(services.length, 1);
    const strict = await h.call('GET', '/v2.1/os-services?zone=nova', { version: '2.75' });
    assert.equal(strict.statusCode, 400);
    assert.equal(msg(strict), "Additional properties are not allowed ('zone' was unexpected)");
  });

  it('is admin-only', async () => {
    const res = await h.call('GET', '/v2.1/os-services', { token: ALICE });
    assert.equal(res.statusCode, 403);
    assert.deepEqual(json(res), { forbidden: { code: 403, message: policyMessage('os_compute_api:os-services:list') } });
    const put = await h.call('PUT', `/v2.1/os-services/${compute1.uuid}`, { token: ALICE, version: '2.53', body: { status: 'disabled' } });
    assert.equal(put.statusCode, 403);
    const del = await h.call('DELETE', `/v2.1/os-services/${compute1.id}`, { token: ALICE });
    assert.equal(del.statusCode, 403);
  });

  it('PUT /os-services/disable-log-reason and enable (before 2.53)', async () => {
    let res = await h.call('PUT', '/v2.1/os-services/disable-log-reason', { body: { host: 'cmp-1', binary: 'nova-compute', disabled_reason: 'broken' } });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(json(res), { service: { host: 'cmp-1', binary: 'nova-compute', status: 'disabled', disabled_reason: 'broken' } });
    assert.equal((await h.db.services.get(compute1.id)).disabled_reason, 'broken');
    res = await h.call('PUT', '/v2.1/os-services/enable', { body: { host: 'cmp-1', binary: 'nova-compute' } });
    assert.deepEqual(json(res), { service: { host: 'cmp-1', binary: 'nova-compute', status: 'enabled' } });
    res = await h.call('PUT', '/v2.1/os-services/disable', { body: { host: 'cmp-1', binary: 'nova-compute' } });
    assert.deepEqual(json(res), { service: { host: 'cmp-1', binary: 'nova-compute', status: 'disabled' } });
    await h.call('PUT', '/v2.1/os-services/enable', { body: { host: 'cmp-1', binary: 'nova-compute' } });
  });

  it('PUT /os-services/force-down from 2.11 only', async () => {
    let res = await h.call('PUT', '/v2.1/os-services/force-down', { body: { host: 'cmp-1', binary: 'nova-compute', forced_down: true } });
    assert.equal(res.statusCode, 400);
    res = await h.call('PUT', '/v2.1/os-services/force-down', { version: '2.11', body: { host: 'cmp-1', binary: 'nova-compute', forced_down: 'true' } });
    assert.deepEqual(json(res), { service: { host: 'cmp-1', binary: 'nova-compute', forced_down: true } });
    const listed = json<{ services: Service[] }>(await h.call('GET', '/v2.1/os-services?host=cmp-1', { version: '2.11' })).services[0] as Service;
    assert.equal(listed.state, 'down');
    assert.equal(listed.forced_down, true);
    res = await h.call('PUT', '/v2.1/os-services/force-down', { version: '2.11', body: { host: 'cmp-1', binary: 'nova-compute' } });
    assert.equal(msg(res), 'Missing forced_down field');
    await h.call('PUT', '/v2.1/os-services/force-down', { version: '2.11', body: { host: 'cmp-1', binary: 'nova-compute', forced_down: false } });
  });

  it('legacy PUT errors: unknown action, other binaries, unknown hosts, bad bodies', async () => {
    let res = await h.call('PUT', '/v2.1/os-services/reboot', { body: { host: 'cmp-1', binary: 'nova-compute' } });
    assert.equal(res.statusCode, 404);
    assert.equal(msg(res), 'Unknown action');
    res = await h.call('PUT', '/v2.1/os-services/disable', { body: { host: 'ctl', binary: 'nova-scheduler' } });
    assert.equal(res.statusCode, 400);
    assert.equal(msg(res), 'Updating a nova-scheduler service is not supported. Only nova-compute services can be updated.');
    res = await h.call('PUT', '/v2.1/os-services/disable', { body: { host: 'nowhere', binary: 'nova-compute' } });
    assert.equal(res.statusCode, 404);
    assert.equal(msg(res), "Host 'nowhere' is not mapped to any cell");
    res = await h.call('PUT', '/v2.1/os-services/disable-log-reason', { body: { host: 'cmp-1', binary: 'nova-compute' } });
    assert.equal(msg(res), 'Missing disabled reason field');
    res = await h.call('PUT', '/v2.1/os-services/disable', { body: { host: 'cmp 1', binary: 'nova-compute' } });
    assert.equal(res.statusCode, 400);
    assert.match(msg(res), /^Invalid input for field\/attribute host\./);
    res = await h.call('PUT', '/v2.1/os-services/disable', { body: { host: 'cmp-1' } });
    assert.equal(res.statusCode, 400);
    assert.match(msg(res), /'binary' is a required property/);
    res = await h.call('PUT', '/v2.1/os-services/disable', { body: 'nonsense' });
    assert.equal(res.statusCode, 400);
  });

  it('PUT /os-services/{uuid} from 2.53', async () => {
    let res = await h.call('PUT', `/v2.1/os-services/${compute1.uuid}`, { version: '2.53', body: { status: 'disabled', disabled_reason: 'upgrade' } });
    assert.equal(res.statusCode, 200);
    const s = json<{ service: Service }>(res).service;
    assert.deepEqual(Object.keys(s), ['binary', 'host', 'id', 'zone', 'status', 'state', 'updated_at', 'disabled_reason', 'forced_down']);
    assert.equal(s.status, 'disabled');
    assert.equal(s.disabled_reason, 'upgrade');
    assert.equal(s.id, compute1.uuid);
    res = await h.call('PUT', `/v2.1/os-services/${compute1.uuid}`, { version: '2.53', body: { status: 'enabled', forced_down: 'False' } });
    assert.equal(json<{ service: Service }>(res).service.status, 'enabled');
    assert.equal(json<{ service: Service }>(res).service.disabled_reason, null);
  });

  it('PUT /os-services/{uuid} validation', async () => {
    const cases: [string, unknown, number, string | RegExp][] = [
      [compute1.uuid, { status: 'enabled', disabled_reason: 'x' }, 400, "Specifying 'disabled_reason' with status 'enabled' is invalid."],
      [compute1.uuid, {}, 400, "No updates were requested. Fields 'status' or 'forced_down' should be specified."],
      [compute1.uuid, { disabled_reason: 'only' }, 400, "No updates were requested. Fields 'status' or 'forced_down' should be specified."],
      [compute1.uuid, { status: 'off' }, 400, /^Invalid input for field\/attribute status\./],
      [compute1.uuid, { forced_down: 'maybe' }, 400, /^Invalid input for field\/attribute forced_down\./],
      [compute1.uuid, { status: 'disabled', disabled_reason: '' }, 400, /^Invalid input for field\/attribute disabled_reason\./],
      ['enable', { status: 'enabled' }, 400, 'Invalid uuid enable'],
      [scheduler.uuid, { status: 'disabled' }, 400, 'Updating a nova-scheduler service is not supported. Only nova-compute services can be updated.'],
      ['00000000-0000-0000-0000-000000000000', { status: 'disabled' }, 404, 'Service 00000000-0000-0000-0000-000000000000 could not be found.'],
    ];
    for (const [id, body, status, message] of cases) {
      const res = await h.call('PUT', `/v2.1/os-services/${id}`, { version: '2.53', body });
      assert.equal(res.statusCode, status, JSON.stringify(body));
      if (typeof message === 'string') assert.equal(msg(res), message);
      else assert.match(msg(res), message);
    }
  });

  it('DELETE /os-services/{id}: 204, compute nodes go too; 409 with instances; 400/404 for bad ids', async () => {
    const extra = await createComputeHost(h.db, 'cmp-3');
    let res = await h.call('DELETE', `/v2.1/os-services/${extra.service.id}`);
    assert.equal(res.statusCode, 204);
    assert.equal((await h.db.computeNodes.listByHost('cmp-3')).length, 0);
    res = await h.call('DELETE', `/v2.1/os-services/${extra.service.id}`);
    assert.equal(res.statusCode, 404);
    assert.equal(msg(res), `Service ${extra.service.id} not found.`);
    res = await h.call('DELETE', '/v2.1/os-services/abc');
    assert.equal(res.statusCode, 400);
    assert.equal(msg(res), 'Invalid input received: id must be an integer');
    res = await h.call('DELETE', '/v2.1/os-services/12', { version: '2.53' });
    assert.equal(msg(res), 'Invalid uuid 12');
    res = await h.call('DELETE', `/v2.1/os-services/${scheduler.uuid}`, { version: '2.53' });
    assert.equal(res.statusCode, 204);

    const busy = await createComputeHost(h.db, 'cmp-4');
    await createInstance(h.db, { host: 'cmp-4' });
    res = await h.call('DELETE', `/v2.1/os-services/${busy.service.id}`);
    assert.equal(res.statusCode, 409);
    assert.equal(msg(res), 'Unable to delete compute service that is hosting instances. Migrate or delete the instances first.');
  });

  it('keeps compute2 listed as down and disabled', async () => {
    const res = await h.call('GET', `/v2.1/os-services?host=${compute2.host}`);
    assert.equal((json<{ services: Service[] }>(res).services[0] as Service).state, 'down');
  });
});
