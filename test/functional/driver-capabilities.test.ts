import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiClient, type Cloud, startCloud } from '../support/cloud.ts';

type Body = Record<string, Record<string, unknown>>;

/** Nova's answer to an action the virt driver does not implement (common.raise_feature_not_supported). */
const NOT_SUPPORTED = { notImplemented: { code: 501, message: 'The requested functionality is not supported.' } };

/**
 * Driver capabilities end to end in one process: each nova-compute reports
 * its driver's capabilities through nova-conductor into its compute node
 * record, and nova-api refuses, before recording or casting anything, what
 * the instance's host cannot do. Host `limited` runs the fake driver with
 * `[fake] disabled_capabilities = supports_pause, supports_suspend,
 * supports_vnc_console`.
 */
describe("actions the instance's host's driver cannot do", () => {
  let cloud: Cloud;
  let api: ApiClient;
  let onLimited = '';
  let onAble = '';
  before(async () => {
    cloud = await startCloud({
      computes: ['able', { host: 'limited', overrides: { fake: { disabled_capabilities: 'supports_pause, supports_suspend, supports_vnc_console' } } }],
      // A call to a compute that no longer answers fails fast instead of after 60 s.
      overrides: { DEFAULT: { rpc_response_timeout: '5' } },
    });
    api = new ApiClient(cloud.url);
    onLimited = await api.boot('on-limited', { availability_zone: 'nova:limited' });
    onAble = await api.boot('on-able', { availability_zone: 'nova:able' });
    await api.waitFor(onLimited, ['ACTIVE']);
    await api.waitFor(onAble, ['ACTIVE']);
    assert.equal((await api.server(onLimited))['OS-EXT-SRV-ATTR:host'], 'limited');
  });
  after(() => cloud.stop());

  it('nova-compute reports its driver capabilities into its compute node record', async () => {
    const limited = await cloud.db.computeNodes.getByHost('limited');
    assert.deepEqual(limited.capabilities, {
      has_imagecache: false,
      supports_pause: false,
      supports_suspend: false,
      supports_vnc_console: false,
      supports_serial_console: true,
      supports_spice_console: true,
      guests_survive_restart: true,
      supports_migrate: true,
      supports_migrate_to_same_host: true,
      supports_live_migration: true,
      supports_evacuate: true,
      supports_snapshot: true,
      supports_rescue: true,
      supports_set_admin_password: true,
      supports_trigger_crash_dump: true,
      supports_attach_interface: true,
      supports_tagged_attach_interface: true,
      supports_attach_volume: true,
      supports_tagged_attach_volume: true,
      supports_multiattach: false,
    });
    const able = await cloud.db.computeNodes.getByHost('able');
    assert.equal(able.capabilities?.supports_pause, true);
    assert.equal(able.capabilities?.supports_suspend, true);
  });

  it('answers pause, suspend (and their reverses) with 501 before anything is recorded or cast', async () => {
    for (const action of ['pause', 'suspend']) {
      const r = await api.post<Body>(`/servers/${onLimited}/action`, { [action]: null });
      assert.equal(r.status, 501, `${action}: ${JSON.stringify(r.body)}`);
      assert.deepEqual(r.body, NOT_SUPPORTED);
    }
    const server = await api.server(onLimited);
    assert.equal(server.status, 'ACTIVE');
    assert.equal(server['OS-EXT-STS:task_state'], null);
    const actions = await api.get<{ instanceActions: { action: string }[] }>(`/servers/${onLimited}/os-instance-actions`);
    assert.deepEqual(
      actions.body.instanceActions.map((a) => a.action),
      ['create'],
      'no action was recorded',
    );
    // The state check comes first: unpause/resume of an active server stay 409s.
    assert.equal((await api.post(`/servers/${onLimited}/action`, { unpause: null })).status, 409);
    assert.equal((await api.post(`/servers/${onLimited}/action`, { resume: null })).status, 409);
  });

  it('lets the host that can pause and suspend do so', async () => {
    assert.equal((await api.post(`/servers/${onAble}/action`, { pause: null })).status, 202);
    await api.waitFor(onAble, ['PAUSED']);
    assert.equal((await api.post(`/servers/${onAble}/action`, { unpause: null })).status, 202);
    await api.waitFor(onAble, ['ACTIVE']);
    assert.equal((await api.post(`/servers/${onAble}/action`, { suspend: null })).status, 202);
    await api.waitFor(onAble, ['SUSPENDED']);
    assert.equal((await api.post(`/servers/${onAble}/action`, { resume: null })).status, 202);
    await api.waitFor(onAble, ['ACTIVE']);
  });

  it('leaves the decision to nova-compute when the host never reported capabilities; its driver refuses with a fault', async () => {
    const node = await cloud.db.computeNodes.getByHost('limited');
    const nodes = () => cloud.db.db.kysely.updateTable('compute_nodes').where('id', '=', node.id);
    const reported = JSON.stringify(node.capabilities);
    await nodes().set({ capabilities: null }).execute();
    try {
      const r = await api.post(`/servers/${onLimited}/action`, { pause: null });
      assert.equal(r.status, 202, 'unknown is not "cannot"');
      await api.waitFor(onLimited, ['ACTIVE']);
      const fault = (await cloud.db.history.latestFaults([onLimited])).get(onLimited);
      assert.equal(fault?.code, 400);
      assert.match(String(fault?.message), /does not support pause \(supports_pause is off\)/);
    } finally {
      await nodes().set({ capabilities: reported }).execute();
    }
  });

  it('answers a console type the driver lacks with 400 without asking the compute host', async () => {
    // With its nova-compute gone (but not yet reported down), a call to it could only time out.
    await cloud.stopCompute('limited');
    const started = Date.now();
    const r = await api.at('2.6').post<Body>(`/servers/${onLimited}/remote-consoles`, { remote_console: { protocol: 'vnc', type: 'novnc' } });
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.deepEqual(r.body, { badRequest: { code: 400, message: 'Unavailable console type novnc.' } });
    assert.ok(Date.now() - started < 2000, 'answered from the compute node record, not after an RPC timeout');
  });
});
