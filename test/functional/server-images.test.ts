import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiClient, type Cloud, startCloud } from '../support/cloud.ts';
import { until } from '../support/procs.ts';
import { body, createImage, type ImageHarness, startImageApi } from './image-harness.ts';

type Json = Record<string, unknown>;
type Fault = Record<string, { code: number; message: string }>;

/**
 * createImage and createBackup through the whole cloud and an image
 * service: the image records nova-api creates as the caller, the data the
 * fake compute uploads, the task states, the response per microversion,
 * backup rotation, and the refusals (state, body, policy, no image service).
 */
describe('createImage and createBackup', () => {
  let glance: ImageHarness;
  let glanceUrl = '';
  let cloud: Cloud;
  let alice: ApiClient;
  let admin: ApiClient;
  let imageRef = '';
  let server = '';

  const image = async (id: string): Promise<Json> => body((await glance.call('GET', `/v2/images/${id}`, { token: 'admin:admin' })) as { body: string });
  const imageStatus = async (id: string): Promise<number> => (await glance.call('GET', `/v2/images/${id}`, { token: 'admin:admin' })).statusCode;
  const waitActive = (id: string) =>
    until(
      async () => {
        const i = await image(id);
        return i.status === 'active' ? i : null;
      },
      20_000,
      `image ${id} active`,
      50,
    );
  const waitIdle = (id: string) => alice.waitFor(id, ['ACTIVE', 'SHUTOFF', 'PAUSED', 'SUSPENDED', 'ERROR']);

  before(async () => {
    glance = await startImageApi();
    glanceUrl = await glance.listen();
    cloud = await startCloud({ overrides: { glance: { api_servers: glanceUrl }, quota: { metadata_items: '2' } } });
    alice = new ApiClient(cloud.url, 'alice:projA');
    admin = new ApiClient(cloud.url);
    const img = await createImage(glance, { name: 'cirros', disk_format: 'qcow2', container_format: 'bare', visibility: 'public', os_distro: 'cirros' }, 'admin:admin');
    imageRef = String(img.id);
    await glance.call('PUT', `/v2/images/${imageRef}/file`, { token: 'admin:admin', body: Buffer.alloc(512, 1) });
    server = await alice.boot('snap', { imageRef });
    await alice.waitFor(server, ['ACTIVE']);
  });
  after(async () => {
    await cloud?.stop();
    await glance?.close();
  });

  it('snapshots a server: Location before 2.45, the image record and data, the task states back to none', async () => {
    const r = await alice.post(`/servers/${server}/action`, { createImage: { name: 'snap-1', metadata: { purpose: 'test' } } });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    const location = r.headers.get('location') ?? '';
    assert.match(location, new RegExp(`^${glanceUrl}/images/[0-9a-f-]{36}$`));
    const id = location.split('/').at(-1) ?? '';
    const img = await waitActive(id);
    const shown = await image(id);
    assert.equal(shown.name, 'snap-1');
    assert.equal(shown.visibility, 'private');
    assert.equal(shown.owner, 'projA');
    assert.equal(shown.instance_uuid, server);
    assert.equal(shown.user_id, 'alice');
    assert.equal(shown.image_type, 'snapshot');
    assert.equal(shown.base_image_ref, imageRef);
    assert.equal(shown.os_distro, 'cirros', 'inherits the properties of the instance image');
    assert.equal(shown.purpose, 'test');
    assert.equal(shown.image_location, 'snapshot');
    assert.equal(shown.disk_format, 'raw', 'the format the driver wrote');
    assert.equal(shown.min_disk, 1, "at least the flavor's root disk");
    assert.ok(Number(shown.size) > 0, JSON.stringify(img));
    const s = await waitIdle(server);
    assert.equal(s.status, 'ACTIVE');
    const actions = await alice.get<{ instanceActions: { action: string; request_id: string }[] }>(`/servers/${server}/os-instance-actions`);
    const action = actions.body.instanceActions.find((a) => a.action === 'createImage');
    assert.ok(action, JSON.stringify(actions.body));
    const events = await admin.get<{ instanceAction: { events: { event: string; result: string }[] } }>(`/servers/${server}/os-instance-actions/${action.request_id}`);
    assert.deepEqual(
      events.body.instanceAction.events.map((e) => [e.event, e.result]),
      [['compute_snapshot_instance', 'Success']],
    );
  });

  it('answers the image id in the body from 2.45, and snapshots stopped servers too', async () => {
    assert.equal((await alice.post(`/servers/${server}/action`, { 'os-stop': null })).status, 202);
    await alice.waitFor(server, ['SHUTOFF']);
    const r = await alice.at('2.45').post<{ image_id: string }>(`/servers/${server}/action`, { createImage: { name: 'snap-2' } });
    assert.equal(r.status, 202);
    assert.equal(r.headers.get('location'), null);
    assert.match(r.body.image_id, /^[0-9a-f-]{36}$/);
    await waitActive(r.body.image_id);
    assert.equal((await waitIdle(server)).status, 'SHUTOFF');
    assert.equal((await alice.post(`/servers/${server}/action`, { 'os-start': null })).status, 202);
    await alice.waitFor(server, ['ACTIVE']);
  });

  it('shares the snapshot an admin takes of a server of another project', async () => {
    const r = await admin.at('2.45').post<{ image_id: string }>(`/servers/${server}/action`, { createImage: { name: 'by-admin' } });
    assert.equal(r.status, 202);
    const shown = await waitActive(r.body.image_id);
    assert.equal(shown.visibility, 'shared');
    assert.equal(shown.instance_owner, 'projA');
    const members = body<{ members: { member_id: string }[] }>(await glance.call('GET', `/v2/images/${r.body.image_id}/members`, { token: 'admin:admin' }));
    assert.deepEqual(
      members.members.map((m) => m.member_id),
      ['projA'],
    );
    await waitIdle(server);
  });

  it('deletes the image and clears the task state when the snapshot fails, with a fault and an action event saying why', async () => {
    const bad = await alice.boot('snap-fails', { imageRef, metadata: { fake_snapshot_fail: 'true' } });
    await alice.waitFor(bad, ['ACTIVE']);
    const r = await alice.at('2.45').post<{ image_id: string }>(`/servers/${bad}/action`, { createImage: { name: 'never' } });
    assert.equal(r.status, 202);
    await until(async () => (await imageStatus(r.body.image_id)) === 404, 20_000, 'failed snapshot image deleted', 50);
    const s = await waitIdle(bad);
    assert.equal(s.status, 'ACTIVE');
    const actions = await alice.get<{ instanceActions: { action: string; request_id: string }[] }>(`/servers/${bad}/os-instance-actions`);
    const action = actions.body.instanceActions.find((a) => a.action === 'createImage');
    const events = await admin.get<{ instanceAction: { events: { event: string; result: string; traceback: string }[] } }>(
      `/servers/${bad}/os-instance-actions/${action?.request_id}`,
    );
    const event = events.body.instanceAction.events[0];
    assert.equal(event?.result, 'Error');
    assert.match(String(event?.traceback), /injected snapshot failure/);
    const fault = await cloud.db.history.latestFaults([bad]);
    assert.match(String(fault.get(bad)?.message), /injected snapshot failure/);
    await alice.delete(`/servers/${bad}`);
  });

  it('backs up with rotation: the newest backups of the type are kept, Location at the compute API only with a rotation', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await alice.post(`/servers/${server}/action`, { createBackup: { name: `daily-${i}`, backup_type: 'daily', rotation: '2' } });
      assert.equal(r.status, 202, JSON.stringify(r.body));
      const location = r.headers.get('location') ?? '';
      assert.match(location, new RegExp(`^${cloud.url}/v2.1/images/[0-9a-f-]{36}$`));
      const id = location.split('/').at(-1) ?? '';
      ids.push(id);
      await waitActive(id);
      await waitIdle(server);
      // Distinct created_at seconds, so that "oldest" is well defined.
      await new Promise((res) => setTimeout(res, 1100));
    }
    const first = ids[0] ?? '';
    await until(async () => (await imageStatus(first)) === 404, 20_000, 'oldest backup rotated out', 50);
    for (const id of ids.slice(1)) {
      const b = await image(id);
      assert.equal(b.image_type, 'backup');
      assert.equal(b.backup_type, 'daily');
      assert.equal(b.instance_uuid, server);
    }
    // Another type is rotated on its own; rotation 0 keeps none, this one included, and sends no Location.
    const weekly = await alice.post(`/servers/${server}/action`, { createBackup: { name: 'weekly', backup_type: 'weekly', rotation: 0 } });
    assert.equal(weekly.status, 202);
    assert.equal(weekly.headers.get('location'), null);
    await waitIdle(server);
    const v245 = await alice.at('2.45').post<{ image_id: string }>(`/servers/${server}/action`, { createBackup: { name: 'daily-3', backup_type: 'daily', rotation: 0 } });
    assert.match(v245.body.image_id, /^[0-9a-f-]{36}$/);
    for (const id of [...ids, v245.body.image_id]) await until(async () => (await imageStatus(id)) === 404, 20_000, `backup ${id} rotated out`, 50);
    await waitIdle(server);
  });

  it('images a locked server (a lock does not keep it from being imaged), not one in the wrong state', async () => {
    assert.equal((await admin.post(`/servers/${server}/action`, { lock: null })).status, 202);
    const r = await alice.at('2.45').post<{ image_id: string }>(`/servers/${server}/action`, { createImage: { name: 'locked' } });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    await waitActive(r.body.image_id);
    await waitIdle(server);
    assert.equal((await admin.post(`/servers/${server}/action`, { unlock: null })).status, 202);
    assert.equal((await alice.post(`/servers/${server}/action`, { rescue: null })).status, 200);
    await alice.waitFor(server, ['RESCUE']);
    for (const [action, b] of [
      ['createImage', { createImage: { name: 'x' } }],
      ['createBackup', { createBackup: { name: 'x', backup_type: 'daily', rotation: 1 } }],
    ] as const) {
      const refused = await alice.post<Fault>(`/servers/${server}/action`, b);
      assert.equal(refused.status, 409);
      assert.equal(refused.body.conflictingRequest?.message, `Cannot '${action}' instance ${server} while it is in vm_state rescued`);
    }
    assert.equal((await alice.post(`/servers/${server}/action`, { unrescue: null })).status, 202);
    await alice.waitFor(server, ['ACTIVE']);
  });

  it('looks the server up first, then checks the body, the metadata quota before 2.39 and the policy', async () => {
    const missing = await alice.post<Fault>('/servers/00000000-0000-4000-8000-000000000000/action', { createImage: {} });
    assert.equal(missing.status, 404);
    const cases: [unknown, string][] = [
      [{ createImage: {} }, "Invalid input for field/attribute createImage. Value: {}. 'name' is a required property"],
      [{ createImage: { name: ' lead' } }, "An invalid 'name' value was provided. The name must be: printable characters. Can not start or end with whitespace."],
      [
        { createImage: { name: 'x', extra: 1 } },
        "Invalid input for field/attribute createImage. Value: {'name': 'x', 'extra': 1}. Additional properties are not allowed ('extra' was unexpected)",
      ],
      [{ createBackup: { name: 'x', backup_type: 'daily', rotation: -1 } }, 'Invalid input for field/attribute rotation. Value: -1. -1 is less than the minimum of 0'],
      [
        { createBackup: { name: 'x', backup_type: 'daily' } },
        "Invalid input for field/attribute createBackup. Value: {'name': 'x', 'backup_type': 'daily'}. 'rotation' is a required property",
      ],
    ];
    for (const [b, message] of cases) {
      const r = await alice.post<Fault>(`/servers/${server}/action`, b);
      assert.equal(r.status, 400, JSON.stringify(b));
      assert.equal(r.body.badRequest?.message, message);
    }
    const tooMany = { createImage: { name: 'm', metadata: { a: '1', b: '2', c: '3' } } };
    const quota = await alice.post<Fault>(`/servers/${server}/action`, tooMany);
    assert.equal(quota.status, 403);
    assert.equal(quota.body.forbidden?.message, 'Image metadata limit exceeded');
    const v239 = await alice.at('2.39').post(`/servers/${server}/action`, tooMany);
    assert.equal(v239.status, 202);
    await waitIdle(server);
    // Another project does not see the server; a reader may not act.
    assert.equal((await alice.as('bob:projB').post(`/servers/${server}/action`, { createImage: { name: 'b' } })).status, 404);
    assert.equal((await alice.as('reader-alice:projA').post(`/servers/${server}/action`, { createImage: { name: 'r' } })).status, 403);
  });
});

describe('createImage without an image service', () => {
  let cloud: Cloud;
  before(async () => {
    cloud = await startCloud();
  });
  after(() => cloud?.stop());

  it('refuses clearly (501), leaving the server as it was', async () => {
    const api = new ApiClient(cloud.url, 'alice:projA');
    const id = await api.boot('no-glance');
    await api.waitFor(id, ['ACTIVE']);
    for (const b of [{ createImage: { name: 'x' } }, { createBackup: { name: 'x', backup_type: 'd', rotation: 1 } }, { shelve: null }]) {
      const r = await api.post<Fault>(`/servers/${id}/action`, b);
      assert.equal(r.status, 501, JSON.stringify(r.body));
      assert.match(String(r.body.notImplemented?.message), /needs an image service, and none is configured \(\[glance\] api_servers is empty\)/);
    }
    const s = await api.server(id);
    assert.equal(s.status, 'ACTIVE');
    assert.equal(s['OS-EXT-STS:task_state'], null);
  });
});
