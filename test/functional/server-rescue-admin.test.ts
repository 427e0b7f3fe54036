import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiClient, type Cloud, startCloud } from '../support/cloud.ts';
import { until } from '../support/procs.ts';
import { createImage, type ImageHarness, startImageApi } from './image-harness.ts';

type Fault = Record<string, { code: number; message: string }>;

/**
 * rescue / unrescue, changePassword, trigger_crash_dump, os-resetState,
 * injectNetworkInfo and the removed resetNetwork, through the whole cloud
 * (an image service for rescue images; a second compute whose fake driver
 * has no rescue, password or NMI).
 */
describe('rescue and the admin actions', () => {
  let glance: ImageHarness;
  let cloud: Cloud;
  let alice: ApiClient;
  let admin: ApiClient;
  let imageRef = '';
  let rescueImage = '';
  let server = '';
  let limited = '';

  const act = <T = Fault>(id: string, b: unknown, api = alice) => api.post<T>(`/servers/${id}/action`, b);
  const consoleOf = async (id: string) => (await act<{ output: string }>(id, { 'os-getConsoleOutput': {} })).body.output;
  const lastAction = async (id: string) => (await alice.get<{ instanceActions: { action: string }[] }>(`/servers/${id}/os-instance-actions`)).body.instanceActions[0]?.action;

  before(async () => {
    glance = await startImageApi();
    const glanceUrl = await glance.listen();
    cloud = await startCloud({
      computes: ['able', { host: 'limited', overrides: { fake: { disabled_capabilities: 'supports_rescue, supports_set_admin_password, supports_trigger_crash_dump' } } }],
      overrides: { glance: { api_servers: glanceUrl } },
    });
    alice = new ApiClient(cloud.url, 'alice:projA');
    admin = new ApiClient(cloud.url);
    imageRef = String((await createImage(glance, { name: 'cirros', visibility: 'public' }, 'admin:admin')).id);
    await glance.call('PUT', `/v2/images/${imageRef}/file`, { token: 'admin:admin', body: Buffer.alloc(64, 1) });
    rescueImage = String((await createImage(glance, { name: 'rescue', visibility: 'public' }, 'admin:admin')).id);
    await glance.call('PUT', `/v2/images/${rescueImage}/file`, { token: 'admin:admin', body: Buffer.alloc(64, 2) });
    for (const [host, set] of [
      ['able', (id: string) => (server = id)],
      ['limited', (id: string) => (limited = id)],
    ] as const) {
      const id = await admin.boot(`on-${host}`, { imageRef, availability_zone: `nova:${host}` });
      await admin.waitFor(id, ['ACTIVE']);
      await cloud.db.instances.update(id, { project_id: 'projA', user_id: 'alice' });
      set(id);
    }
  });
  after(async () => {
    await cloud?.stop();
    await glance?.close();
  });

  it('rescues (200 with the password) and unrescues: RESCUE, then ACTIVE, with their actions', async () => {
    const r = await act<{ adminPass: string }>(server, { rescue: null });
    assert.equal(r.status, 200);
    assert.match(r.body.adminPass, /^[a-zA-Z0-9]{12}$/);
    const s = await alice.waitFor(server, ['RESCUE']);
    assert.equal(s['OS-EXT-STS:vm_state'], 'rescued');
    assert.equal(await lastAction(server), 'rescue');
    assert.match(await consoleOf(server), new RegExp(`rescued with image ${imageRef}`), 'the instance image by default');
    const again = await act(server, { rescue: null });
    assert.equal(again.status, 409);
    assert.equal(again.body.conflictingRequest?.message, `Cannot 'rescue' instance ${server} while it is in vm_state rescued`);
    assert.equal((await act(server, { unrescue: null })).status, 202);
    assert.equal((await alice.waitFor(server, ['ACTIVE']))['OS-EXT-STS:vm_state'], 'active');
    assert.equal(await lastAction(server), 'unrescue');
    const notRescued = await act(server, { unrescue: null });
    assert.equal(notRescued.status, 409);
    assert.equal(notRescued.body.conflictingRequest?.message, `Cannot 'unrescue' instance ${server} while it is in vm_state active`);
  });

  it('rescues with the password and the image asked for; an image that cannot be had is a 400', async () => {
    const r = await act<{ adminPass: string }>(server, { rescue: { adminPass: 'S3cret-pass', rescue_image_ref: rescueImage } });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { adminPass: 'S3cret-pass' });
    await alice.waitFor(server, ['RESCUE']);
    assert.match(await consoleOf(server), new RegExp(`rescued with image ${rescueImage}`));
    assert.equal((await act(server, { unrescue: null })).status, 202);
    await alice.waitFor(server, ['ACTIVE']);
    const missing = '00000000-0000-4000-8000-000000000000';
    const unknown = await act(server, { rescue: { rescue_image_ref: missing } });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.badRequest?.message, `Requested rescue image '${missing}' is not supported`);
    const badRef = await act(server, { rescue: { rescue_image_ref: 'nope' } });
    assert.equal(badRef.status, 400);
    assert.equal(badRef.body.badRequest?.message, "Invalid input for field/attribute rescue_image_ref. Value: nope. 'nope' is not a 'uuid'");
    const extra = await act(server, { rescue: { foo: 1 } });
    assert.equal(extra.status, 400);
    assert.equal((await alice.server(server)).status, 'ACTIVE');
  });

  it('refuses rescue on a locked server, and what the host cannot do with 501', async () => {
    assert.equal((await act(server, { lock: null }, admin)).status, 202);
    const locked = await act(server, { rescue: null });
    assert.equal(locked.status, 409);
    assert.equal(locked.body.conflictingRequest?.message, `Instance ${server} is locked`);
    const pw = await act(server, { changePassword: { adminPass: 'x' } });
    assert.equal(pw.status, 409);
    assert.equal(pw.body.conflictingRequest?.message, `Instance ${server} is in an invalid state for 'changePassword'`);
    assert.equal((await act(server, { unlock: null }, admin)).status, 202);
    const cannot = await act(limited, { rescue: null });
    assert.equal(cannot.status, 501);
    assert.equal(cannot.body.notImplemented?.message, 'The requested functionality is not supported.');
    const noPassword = await act(limited, { changePassword: { adminPass: 'x' } });
    assert.equal(noPassword.status, 501);
    assert.equal(noPassword.body.notImplemented?.message, 'Unable to set password on instance');
    const noNmi = await alice.at('2.17').post<Fault>(`/servers/${limited}/action`, { trigger_crash_dump: null });
    assert.equal(noNmi.status, 400);
    assert.equal(noNmi.body.badRequest?.message, 'Triggering crash dump is not supported');
    for (const id of [server, limited]) assert.equal((await alice.server(id))['OS-EXT-STS:task_state'], null);
  });

  it('changes the admin password of a running server (202), not of a stopped one; a paused guest is refused by the host', async () => {
    const r = await act(server, { changePassword: { adminPass: 'n3w-pass' } });
    assert.equal(r.status, 202);
    assert.equal(await lastAction(server), 'changePassword');
    assert.match(await consoleOf(server), /admin password changed/);
    assert.equal((await alice.server(server))['OS-EXT-STS:task_state'], null);
    const bad = await act(server, { changePassword: {} });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.badRequest?.message, "Invalid input for field/attribute changePassword. Value: {}. 'adminPass' is a required property");
    assert.equal((await act(server, { 'os-stop': null })).status, 202);
    await alice.waitFor(server, ['SHUTOFF']);
    const stopped = await act(server, { changePassword: { adminPass: 'x' } });
    assert.equal(stopped.status, 409);
    assert.equal(stopped.body.conflictingRequest?.message, `Cannot 'changePassword' instance ${server} while it is in vm_state stopped`);
    assert.equal((await act(server, { 'os-start': null })).status, 202);
    await alice.waitFor(server, ['ACTIVE']);
    // The guest died behind nova's back: the host answers that it is not running (409).
    const { hypervisorOf } = await import('../../src/virt/fake/hypervisor.ts');
    const guest = hypervisorOf('able', null).guests.get(server);
    assert.ok(guest);
    guest.state = 4;
    const dead = await act(server, { changePassword: { adminPass: 'x' } });
    assert.equal(dead.status, 409);
    assert.equal(dead.body.conflictingRequest?.message, `Failed to set admin password on ${server} because instance ${server} is not running`);
    assert.equal((await alice.server(server))['OS-EXT-STS:task_state'], null);
    guest.state = 1;
  });

  it('triggers a crash dump from 2.17 (an NMI), 404 before', async () => {
    assert.equal((await act(server, { trigger_crash_dump: null })).status, 404);
    const r = await alice.at('2.17').post(`/servers/${server}/action`, { trigger_crash_dump: null });
    assert.equal(r.status, 202);
    await until(async () => /NMI received/.test(await consoleOf(server)), 5000, 'NMI on the console', 50);
    assert.equal(await lastAction(server), 'trigger_crash_dump');
    const bad = await alice.at('2.17').post<Fault>(`/servers/${server}/action`, { trigger_crash_dump: {} });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.badRequest?.message, "Invalid input for field/attribute trigger_crash_dump. Value: {}. {} is not of type 'null'");
  });

  it('resets the state (admin): vm_state active or error, the task state cleared', async () => {
    const denied = await act(server, { 'os-resetState': { state: 'error' } });
    assert.equal(denied.status, 403);
    assert.equal(denied.body.forbidden?.message, "Policy doesn't allow os_compute_api:os-admin-actions:reset_state to be performed.");
    await cloud.db.instances.update(server, { task_state: 'rebooting' });
    assert.equal((await act(server, { 'os-resetState': { state: 'error' } }, admin)).status, 202);
    const s = await alice.server(server);
    assert.equal(s.status, 'ERROR');
    assert.equal(s['OS-EXT-STS:task_state'], null);
    assert.equal(await lastAction(server), 'resetState');
    const bad = await act(server, { 'os-resetState': { state: 'paused' } }, admin);
    assert.equal(bad.status, 400);
    assert.equal(bad.body.badRequest?.message, "Invalid input for field/attribute state. Value: paused. 'paused' is not one of ['active', 'error']");
    assert.equal((await act(server, { 'os-resetState': { state: 'active' } }, admin)).status, 202);
    assert.equal((await alice.server(server)).status, 'ACTIVE');
  });

  it('injects network info (admin, 202) and answers the removed resetNetwork with 410', async () => {
    assert.equal((await act(server, { injectNetworkInfo: null })).status, 403);
    assert.equal((await act(server, { injectNetworkInfo: null }, admin)).status, 202);
    const gone = await act(server, { resetNetwork: null }, admin);
    assert.equal(gone.status, 410);
    assert.deepEqual(gone.body, { computeFault: { code: 410, message: 'This resource is no longer available.  No forwarding address is given.' } });
    const notAnAction = await act(server, { 'os-resetNetwork': null }, admin);
    assert.equal(notAnAction.status, 400);
    assert.equal(notAnAction.body.badRequest?.message, 'There is no such action: os-resetNetwork');
  });
});

describe('rescue without [api] enable_instance_password', () => {
  let cloud: Cloud;
  before(async () => {
    cloud = await startCloud({ overrides: { api: { enable_instance_password: 'false' } } });
  });
  after(() => cloud?.stop());

  it('answers an empty body', async () => {
    const api = new ApiClient(cloud.url, 'alice:projA');
    const id = await api.boot('quiet');
    await api.waitFor(id, ['ACTIVE']);
    const r = await api.post(`/servers/${id}/action`, { rescue: { adminPass: 'x' } });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, {});
    await api.waitFor(id, ['RESCUE']);
  });
});
