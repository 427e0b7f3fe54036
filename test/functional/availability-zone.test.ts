import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ALICE, createComputeHost, createService, type Harness, json, policyMessage, startApi } from './harness.ts';

type Zone = { zoneName: string; zoneState: { available: boolean }; hosts: Record<string, Record<string, Record<string, unknown>>> | null };

describe('os-availability-zone', () => {
  let h: Harness;
  before(async () => {
    h = await startApi();
    await createService(h.db, 'ctl', 'nova-conductor');
    await createService(h.db, 'ctl', 'nova-scheduler', { up: false });
    await createService(h.db, 'ctl', 'nova-osapi_compute');
    await createComputeHost(h.db, 'cmp-1');
    await createComputeHost(h.db, 'cmp-2', { disabled: true });
  });
  after(async () => {
    await h.close();
  });

  it('GET /os-availability-zone: any user, no internal zone, hosts null', async () => {
    const res = await h.call('GET', '/v2.1/os-availability-zone', { token: ALICE });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(json(res), { availabilityZoneInfo: [{ zoneName: 'nova', zoneState: { available: true }, hosts: null }] });
  });

  it('GET /os-availability-zone/detail: admin, with the internal zone and every enabled service', async () => {
    const res = await h.call('GET', '/v2.1/os-availability-zone/detail');
    assert.equal(res.statusCode, 200);
    const zones = json<{ availabilityZoneInfo: Zone[] }>(res).availabilityZoneInfo;
    assert.deepEqual(
      zones.map((z) => z.zoneName),
      ['internal', 'nova'],
    );
    const internal = zones[0] as Zone;
    assert.deepEqual(Object.keys(internal.hosts ?? {}), ['ctl']);
    assert.deepEqual(Object.keys(internal.hosts?.ctl ?? {}).sort(), ['nova-conductor', 'nova-scheduler']);
    const conductor = internal.hosts?.ctl?.['nova-conductor'] as Record<string, unknown>;
    assert.deepEqual(Object.keys(conductor), ['available', 'active', 'updated_at']);
    assert.equal(conductor.available, true);
    assert.equal(conductor.active, true);
    assert.match(conductor.updated_at as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
    assert.equal(internal.hosts?.ctl?.['nova-scheduler']?.available, false);
    const nova = zones[1] as Zone;
    assert.deepEqual(Object.keys(nova.hosts ?? {}), ['cmp-1']);
  });

  it('a zone whose computes are all disabled is listed as unavailable', async () => {
    await h.call('PUT', '/v2.1/os-services/disable', { body: { host: 'cmp-1', binary: 'nova-compute' } });
    const res = await h.call('GET', '/v2.1/os-availability-zone', { token: ALICE });
    assert.deepEqual(json(res), { availabilityZoneInfo: [{ zoneName: 'nova', zoneState: { available: false }, hosts: null }] });
    const detail = json<{ availabilityZoneInfo: Zone[] }>(await h.call('GET', '/v2.1/os-availability-zone/detail')).availabilityZoneInfo;
    assert.deepEqual(detail.at(-1), { zoneName: 'nova', zoneState: { available: false }, hosts: null });
    await h.call('PUT', '/v2.1/os-services/enable', { body: { host: 'cmp-1', binary: 'nova-compute' } });
  });

  it('detail is admin-only; the zone follows [DEFAULT] default_availability_zone', async () => {
    const res = await h.call('GET', '/v2.1/os-availability-zone/detail', { token: ALICE });
    assert.deepEqual(json(res), { forbidden: { code: 403, message: policyMessage('os_compute_api:os-availability-zone:detail') } });
    const other = await startApi({ DEFAULT: { default_availability_zone: 'az1' } });
    try {
      await createComputeHost(other.db, 'c');
      const zones = json<{ availabilityZoneInfo: Zone[] }>(await other.call('GET', '/v2.1/os-availability-zone')).availabilityZoneInfo;
      assert.deepEqual(
        zones.map((z) => z.zoneName),
        ['az1'],
      );
    } finally {
      await other.close();
    }
  });
});
