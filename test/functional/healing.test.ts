/**
 * Nothing stays stuck: the periodic heals of nova-conductor and nova-compute
 * on a whole in-process cloud, each with its timers shortened. Each case
 * makes the state a crash or an outage would leave (by writing the database
 * or the fake hypervisor as the crash would have left them) and waits for
 * the heal to undo it.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { dbTime } from '../../src/db/time.ts';
import { PowerState } from '../../src/objects/states.ts';
import { hypervisorOf } from '../../src/virt/fake/hypervisor.ts';
import { ApiClient, type Cloud, startCloud } from '../support/cloud.ts';

const HOST = 'heal-1';
const FAST = {
  DEFAULT: {
    periodic_interval: '1',
    instance_build_timeout: '3',
    running_deleted_instance_poll_interval: '1',
    running_deleted_instance_timeout: '0',
    sync_power_state_interval: '-1',
  },
  conductor: { heal_interval: '1', build_request_timeout: '2' },
  compute: { task_state_timeout: '2' },
};

async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

describe('periodic heals: stuck builds, stale task states, orphaned guests, claims', () => {
  let cloud: Cloud;
  let api: ApiClient;
  const old = () => dbTime(new Date(Date.now() - 60_000));

  before(async () => {
    cloud = await startCloud({ computes: [HOST], overrides: FAST });
    api = new ApiClient(cloud.url);
  });
  after(async () => {
    await cloud?.stop();
  });

  /** A copy of an ACTIVE server's row and request spec, as a server whose build request was lost would be left. */
  async function lostBuild(): Promise<string> {
    const source = await api.boot(`src-${randomUUID().slice(0, 6)}`);
    await api.waitFor(source, ['ACTIVE']);
    const row = await cloud.db.db.kysely.selectFrom('instances').selectAll().where('uuid', '=', source).executeTakeFirstOrThrow();
    const spec = await cloud.db.requestSpecs.get(source);
    assert.ok(spec, 'the build stored its request spec');
    const uuid = randomUUID();
    const { id: _id, ...rest } = row;
    await cloud.db.db.kysely
      .insertInto('instances')
      .values({ ...rest, uuid, vm_state: 'building', task_state: 'scheduling', host: null, node: null, power_state: 0, launched_at: null, updated_at: old() })
      .execute();
    await cloud.db.requestSpecs.saveFor({ ...spec.spec, instance_uuids: [uuid] });
    return uuid;
  }

  it('a build request that was lost is sent again and the server becomes ACTIVE', async () => {
    const uuid = await lostBuild();
    const server = await api.waitFor(uuid, ['ACTIVE']);
    assert.equal(server['OS-EXT-SRV-ATTR:host'] ?? HOST, HOST);
    assert.equal((await cloud.db.requestSpecs.get(uuid))?.requeues, 1);
  });

  it('a build request lost more than max_attempts times ends in ERROR with a fault saying so', async () => {
    const uuid = await lostBuild();
    await cloud.db.db.kysely.updateTable('request_specs').set({ requeues: 3 }).where('instance_uuid', '=', uuid).execute();
    const server = await api.waitFor(uuid, ['ERROR']);
    const fault = server.fault as { message?: string } | undefined;
    assert.match(String(fault?.message), /was not scheduled: its build request was lost/);
    assert.deepEqual(await cloud.db.computeNodes.allocationsOf(uuid), []);
  });

  it('a build whose end was lost is recorded ACTIVE when its guest runs; one without a guest is rescheduled (here to no host: ERROR, no claim)', async () => {
    const a = await api.boot('spawned');
    const b = await api.boot('lost');
    await api.waitFor(a, ['ACTIVE']);
    await api.waitFor(b, ['ACTIVE']);
    // a: the guest runs but the database still says spawning; b: the guest never came up.
    hypervisorOf(HOST, null).guests.delete(b);
    await cloud.db.db.kysely.updateTable('instances').set({ vm_state: 'building', task_state: 'spawning', updated_at: old() }).where('uuid', 'in', [a, b]).execute();
    await api.waitFor(a, ['ACTIVE']);
    const failed = await api.waitFor(b, ['ERROR']);
    assert.match(String((failed.fault as { message?: string }).message), /No valid host was found/);
    const faults = await cloud.db.db.kysely.selectFrom('instance_faults').select('message').where('instance_uuid', '=', b).execute();
    assert.ok(
      faults.some((f) => /timed out after 3 seconds/.test(f.message ?? '')),
      'the timeout is on record',
    );
    const row = await cloud.db.instances.get(b);
    assert.equal(row.host, null);
    assert.deepEqual(await cloud.db.computeNodes.allocationsOf(b), []);
  });

  it('a task state no operation works on is cleared after reading the power state', async () => {
    const id = await api.boot('stale');
    await api.waitFor(id, ['ACTIVE']);
    await cloud.db.db.kysely.updateTable('instances').set({ task_state: 'powering-off', updated_at: old() }).where('uuid', '=', id).execute();
    const s = await api.waitFor(id, ['ACTIVE']);
    assert.equal(s['OS-EXT-STS:power_state'], PowerState.RUNNING);
  });

  it("a guest whose instance is deleted is reaped, and the host's claims are healed to match its servers", async () => {
    const id = await api.boot('reap-me');
    await api.waitFor(id, ['ACTIVE']);
    const hv = hypervisorOf(HOST, null);
    const guest = hv.guests.get(id);
    assert.ok(guest);
    assert.equal((await api.delete(`/servers/${id}`)).status, 204);
    await until('the delete', async () => ((await cloud.db.instances.get(id, { readDeleted: true })).deleted ? true : undefined));
    hv.guests.set(id, guest); // the hypervisor kept it (a delete that never reached the host)
    await until('the reap', async () => (hv.guests.has(id) ? undefined : true));

    const keep = await api.boot('claims');
    await api.waitFor(keep, ['ACTIVE']);
    await cloud.db.db.kysely.deleteFrom('allocations').where('consumer_uuid', '=', keep).execute();
    const node = await cloud.db.computeNodes.getByHost(HOST);
    await cloud.db.db.kysely
      .insertInto('allocations')
      .values({ consumer_uuid: randomUUID(), compute_node_id: node.id, vcpus: 1, memory_mb: 64, disk_gb: 1, created_at: dbTime() })
      .execute();
    await until('healed claims', async () => {
      const held = await cloud.db.computeNodes.allocationsOn(node.id);
      const live = await cloud.db.instances.list({ host: HOST });
      const same = held.length === live.length && live.every((i) => held.some((a) => a.consumer_uuid === i.uuid));
      return same ? true : undefined;
    });
  });
});
