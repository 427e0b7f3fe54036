import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiClient, type Cloud, startCloud } from '../support/cloud.ts';
import { until } from '../support/procs.ts';
import { body, createImage, type ImageHarness, startImageApi } from './image-harness.ts';

type Json = Record<string, unknown>;
type Fault = Record<string, { code: number; message: string }>;

/**
 * shelve, shelveOffload and unshelve through the whole cloud with an image
 * service, on three fake computes that offload as [DEFAULT]
 * shelved_offload_time says: keep (-1), at once (0), by the periodic task
 * (1 s). After every step each host's claimed memory is what its servers
 * hold: an offloaded server holds nothing, an unshelved one its new host.
 */
describe('shelve, shelveOffload and unshelve', () => {
  let glance: ImageHarness;
  let cloud: Cloud;
  let alice: ApiClient;
  let admin: ApiClient;
  let imageRef = '';

  const imageStatus = async (id: string): Promise<number> => (await glance.call('GET', `/v2/images/${id}`, { token: 'admin:admin' })).statusCode;
  const image = async (id: string): Promise<Json> => body(await glance.call('GET', `/v2/images/${id}`, { token: 'admin:admin' }));
  const hostOf = (s: Json) => s['OS-EXT-SRV-ATTR:host'];
  /** Wait as alice, read as admin (the host is an admin attribute). */
  const waitAdmin = async (id: string, statuses: string[]) => {
    await alice.waitFor(id, statuses);
    return admin.server(id);
  };
  const sysmeta = async (id: string) => (await cloud.db.instances.get(id)).system_metadata;

  /** Each host's used memory is the sum of the flavors of the servers placed there (512 MB each here). */
  async function assertClaims(): Promise<void> {
    for (const node of await cloud.db.computeNodes.list()) {
      const here = await cloud.db.instances.listByHost(node.host);
      const held = await cloud.db.computeNodes.allocationsOn(node.id);
      assert.deepEqual(held.map((a) => a.consumer_uuid).sort(), here.map((i) => i.uuid).sort(), `claims on ${node.host}`);
      assert.equal(
        node.memory_mb_used,
        here.reduce((n, i) => n + i.memory_mb, 0),
        `memory used on ${node.host}`,
      );
    }
  }

  async function bootOn(name: string, host: string): Promise<string> {
    const id = await admin.boot(name, { imageRef, availability_zone: `nova:${host}` });
    await admin.waitFor(id, ['ACTIVE']);
    // Owned by alice's project? No: admin boots in its own project; hand it to alice's project for the policy checks.
    await cloud.db.instances.update(id, { project_id: 'projA', user_id: 'alice' });
    return id;
  }

  before(async () => {
    glance = await startImageApi();
    const glanceUrl = await glance.listen();
    cloud = await startCloud({
      computes: [
        { host: 'keep', overrides: { DEFAULT: { shelved_offload_time: '-1' } } },
        { host: 'now', overrides: { DEFAULT: { shelved_offload_time: '0' } } },
        { host: 'later', overrides: { DEFAULT: { shelved_offload_time: '1', shelved_poll_interval: '1' } } },
      ],
      overrides: { glance: { api_servers: glanceUrl } },
    });
    alice = new ApiClient(cloud.url, 'alice:projA');
    admin = new ApiClient(cloud.url);
    const img = await createImage(glance, { name: 'cirros', disk_format: 'qcow2', container_format: 'bare', visibility: 'public' }, 'admin:admin');
    imageRef = String(img.id);
    await glance.call('PUT', `/v2/images/${imageRef}/file`, { token: 'admin:admin', body: Buffer.alloc(512, 1) });
  });
  after(async () => {
    await cloud?.stop();
    await glance?.close();
  });

  it('shelves on a host that keeps shelved guests: SHELVED on its host with its claim, the image and system_metadata; unshelve powers it on there', async () => {
    const id = await bootOn('kept', 'keep');
    const r = await alice.post(`/servers/${id}/action`, { shelve: null });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    const s = await waitAdmin(id, ['SHELVED']);
    assert.equal(hostOf(s), 'keep');
    assert.equal(s['OS-EXT-STS:power_state'], 4);
    const meta = await sysmeta(id);
    assert.equal(meta.shelved_host, 'keep');
    assert.match(String(meta.shelved_at), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
    const imageId = String(meta.shelved_image_id);
    const img = await image(imageId);
    assert.equal(img.name, 'kept-shelved');
    assert.equal(img.status, 'active');
    assert.equal(img.image_type, 'snapshot');
    assert.equal(img.instance_uuid, id);
    await assertClaims();

    assert.equal((await alice.post(`/servers/${id}/action`, { unshelve: null })).status, 202);
    const back = await waitAdmin(id, ['ACTIVE']);
    assert.equal(hostOf(back), 'keep');
    assert.equal(back['OS-EXT-STS:power_state'], 1);
    assert.equal((await sysmeta(id)).shelved_image_id, undefined, 'shelved keys removed');
    await until(async () => (await imageStatus(imageId)) === 404, 10_000, 'shelved image deleted', 50);
    await assertClaims();
    await alice.delete(`/servers/${id}`);
    await alice.waitGone(id);
  });

  it('offloads at once where shelved_offload_time is 0, freeing the host; unshelve schedules and claims anew', async () => {
    const id = await bootOn('offloaded', 'now');
    assert.equal((await alice.post(`/servers/${id}/action`, { shelve: null })).status, 202);
    const s = await waitAdmin(id, ['SHELVED_OFFLOADED']);
    assert.equal(hostOf(s), null);
    assert.equal((await cloud.db.instances.get(id)).node, null);
    await assertClaims();
    const imageId = String((await sysmeta(id)).shelved_image_id);
    assert.equal((await image(imageId)).status, 'active');

    assert.equal((await alice.post(`/servers/${id}/action`, { unshelve: null })).status, 202);
    const back = await waitAdmin(id, ['ACTIVE']);
    assert.ok(['keep', 'now', 'later'].includes(String(hostOf(back))));
    await until(async () => (await imageStatus(imageId)) === 404, 10_000, 'shelved image deleted', 50);
    await assertClaims();
    const actions = await alice.get<{ instanceActions: { action: string }[] }>(`/servers/${id}/os-instance-actions`);
    assert.deepEqual(
      actions.body.instanceActions.map((a) => a.action),
      ['unshelve', 'shelve', 'create'],
    );
    await alice.delete(`/servers/${id}`);
    await alice.waitGone(id);
  });

  it('offloads by the periodic task once shelved longer than shelved_offload_time', async () => {
    const id = await bootOn('later', 'later');
    assert.equal((await alice.post(`/servers/${id}/action`, { shelve: null })).status, 202);
    await until(async () => (await alice.server(id)).status === 'SHELVED_OFFLOADED', 15_000, 'offloaded by the periodic task', 100);
    await alice.waitFor(id, ['SHELVED_OFFLOADED']);
    await assertClaims();
    await alice.delete(`/servers/${id}`);
    await alice.waitGone(id);
  });

  it('shelveOffload is for admins and only of SHELVED servers; unshelve to a host from 2.91 is for admins', async () => {
    const id = await bootOn('manual', 'keep');
    const early = await admin.post<Fault>(`/servers/${id}/action`, { shelveOffload: null });
    assert.equal(early.status, 409);
    assert.equal(early.body.conflictingRequest?.message, `Cannot 'shelveOffload' instance ${id} while it is in vm_state active`);
    assert.equal((await alice.post(`/servers/${id}/action`, { shelve: null })).status, 202);
    await alice.waitFor(id, ['SHELVED']);
    const denied = await alice.post<Fault>(`/servers/${id}/action`, { shelveOffload: null });
    assert.equal(denied.status, 403);
    assert.equal(denied.body.forbidden?.message, "Policy doesn't allow os_compute_api:os-shelve:shelve_offload to be performed.");
    assert.equal((await admin.post(`/servers/${id}/action`, { shelveOffload: null })).status, 202);
    const off = await waitAdmin(id, ['SHELVED_OFFLOADED']);
    assert.equal(hostOf(off), null);
    await assertClaims();

    const toHost = { unshelve: { host: 'now' } };
    const notAdmin = await alice.at('2.91').post<Fault>(`/servers/${id}/action`, toHost);
    assert.equal(notAdmin.status, 403);
    assert.equal(notAdmin.body.forbidden?.message, "Policy doesn't allow os_compute_api:os-shelve:unshelve_to_host to be performed.");
    const unknown = await admin.at('2.91').post<Fault>(`/servers/${id}/action`, { unshelve: { host: 'nowhere' } });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.badRequest?.message, 'Compute host nowhere could not be found.');
    const wrongZone = await admin.at('2.91').post<Fault>(`/servers/${id}/action`, { unshelve: { host: 'now', availability_zone: 'elsewhere' } });
    assert.equal(wrongZone.status, 400);
    assert.equal(wrongZone.body.badRequest?.message, 'The requested availability zone is not available');
    assert.equal((await admin.at('2.91').post(`/servers/${id}/action`, toHost)).status, 202);
    const there = await waitAdmin(id, ['ACTIVE']);
    assert.equal(hostOf(there), 'now');
    await assertClaims();

    // A zone or a host only goes with an offloaded server.
    assert.equal((await alice.post(`/servers/${id}/action`, { shelve: null })).status, 202);
    await alice.waitFor(id, ['SHELVED_OFFLOADED']);
    assert.equal((await alice.post(`/servers/${id}/action`, { unshelve: null })).status, 202);
    await alice.waitFor(id, ['ACTIVE']);
    const kept = await bootOn('kept-2', 'keep');
    assert.equal((await alice.post(`/servers/${kept}/action`, { shelve: null })).status, 202);
    await alice.waitFor(kept, ['SHELVED']);
    const zoned = await alice.at('2.77').post<Fault>(`/servers/${kept}/action`, { unshelve: { availability_zone: 'nova' } });
    assert.equal(zoned.status, 409);
    assert.equal(
      zoned.body.conflictingRequest?.message,
      `Specifying an availability zone or a host when unshelving server "${kept}" with status "shelved" is not supported. The server status must be SHELVED_OFFLOADED.`,
    );
    for (const id2 of [id, kept]) {
      await alice.delete(`/servers/${id2}`);
      await alice.waitGone(id2);
    }
  });

  it('checks bodies per microversion, states and locks with Nova’s messages', async () => {
    const id = await bootOn('checks', 'keep');
    const bad = async (version: string, b: unknown, message: string) => {
      const r = await alice.at(version).post<Fault>(`/servers/${id}/action`, b);
      assert.equal(r.status, 400, `${version} ${JSON.stringify(b)}`);
      assert.equal(r.body.badRequest?.message, message);
    };
    await bad('2.77', { unshelve: {} }, "Invalid input for field/attribute unshelve. Value: {}. 'availability_zone' is a required property");
    await bad(
      '2.77',
      { unshelve: { availability_zone: 'nova', host: 'keep' } },
      "Invalid input for field/attribute unshelve. Value: {'availability_zone': 'nova', 'host': 'keep'}. Additional properties are not allowed ('host' was unexpected)",
    );
    await bad('2.91', { unshelve: { foo: 'x' } }, "Invalid input for field/attribute unshelve. Value: {'foo': 'x'}. Additional properties are not allowed ('foo' was unexpected)");
    await bad('2.1', { shelve: null, x: 1 }, 'Malformed request body');
    const notShelved = await alice.post<Fault>(`/servers/${id}/action`, { unshelve: null });
    assert.equal(notShelved.status, 409);
    assert.equal(notShelved.body.conflictingRequest?.message, `Cannot 'unshelve' instance ${id} while it is in vm_state active`);
    // Before 2.77 anything goes under the key (and is ignored): still the state check.
    assert.equal((await alice.post<Fault>(`/servers/${id}/action`, { unshelve: { availability_zone: 'x' } })).status, 409);
    assert.equal((await admin.post(`/servers/${id}/action`, { lock: null })).status, 202);
    const locked = await alice.post<Fault>(`/servers/${id}/action`, { shelve: null });
    assert.equal(locked.status, 409);
    assert.equal(locked.body.conflictingRequest?.message, `Instance ${id} is locked`);
    assert.equal((await admin.post(`/servers/${id}/action`, { unlock: null })).status, 202);
    assert.equal((await alice.post(`/servers/${id}/action`, { shelve: null })).status, 202);
    await alice.waitFor(id, ['SHELVED']);
    const again = await alice.post<Fault>(`/servers/${id}/action`, { shelve: null });
    assert.equal(again.status, 409);
    assert.equal(again.body.conflictingRequest?.message, `Cannot 'shelve' instance ${id} while it is in vm_state shelved`);
    assert.equal((await alice.as('bob:projB').post(`/servers/${id}/action`, { unshelve: null })).status, 404);
    // Deleting a shelved server deletes its image.
    const imageId = String((await sysmeta(id)).shelved_image_id);
    assert.equal((await alice.delete(`/servers/${id}`)).status, 204);
    await alice.waitGone(id);
    assert.equal(await imageStatus(imageId), 404);
    await assertClaims();
  });

  it('keeps an offloaded server offloaded, with a fault, when no host can take it', async () => {
    const id = await bootOn('nohost', 'now');
    assert.equal((await alice.post(`/servers/${id}/action`, { shelve: null })).status, 202);
    await alice.waitFor(id, ['SHELVED_OFFLOADED']);
    const services = await cloud.db.services.list({ binary: 'nova-compute' });
    for (const s of services) await cloud.db.services.update(s.id, { disabled: true });
    try {
      assert.equal((await alice.post(`/servers/${id}/action`, { unshelve: null })).status, 202);
      await until(async () => (await cloud.db.history.latestFaults([id])).get(id), 10_000, 'fault recorded', 50);
      const s = await waitAdmin(id, ['SHELVED_OFFLOADED']);
      assert.equal(hostOf(s), null);
      assert.match(String((await cloud.db.history.latestFaults([id])).get(id)?.message), /No valid host was found/);
      await assertClaims();
    } finally {
      for (const s of services) await cloud.db.services.update(s.id, { disabled: false });
    }
    await alice.delete(`/servers/${id}`);
    await alice.waitGone(id);
  });

  it('leaves a server whose shelve snapshot failed as it was, its image deleted', async () => {
    const id = await admin.boot('shelve-fails', { imageRef, availability_zone: 'nova:keep', metadata: { fake_snapshot_fail: 'true' } });
    await admin.waitFor(id, ['ACTIVE']);
    assert.equal((await admin.post(`/servers/${id}/action`, { shelve: null })).status, 202);
    await until(async () => (await cloud.db.history.latestFaults([id])).get(id), 10_000, 'fault recorded', 50);
    const s = await admin.waitFor(id, ['ACTIVE']);
    assert.equal(s['OS-EXT-STS:power_state'], 1, 'powered on again');
    const shelved = await glance.call('GET', '/v2/images?name=shelve-fails-shelved', { token: 'admin:admin' });
    assert.deepEqual(body<{ images: unknown[] }>(shelved).images, []);
    await assertClaims();
    await admin.delete(`/servers/${id}`);
    await admin.waitGone(id);
  });
});
