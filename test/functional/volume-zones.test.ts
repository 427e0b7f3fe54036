import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ApiClient, type Cloud, startCloud } from '../support/cloud.ts';
import { ALICE, type Json, startVolumeApi, type VolumeHarness } from './volume-harness.ts';

/**
 * [cinder] cross_az_attach = False with the volume service in zone az1
 * (storage_availability_zone) and two hosts, zhost1 in an aggregate of
 * zone az1 and zhost2 in the default zone: Nova's
 * _validate_vol_az_for_create on boot (no zone asked: the server gets the
 * volume's; another zone: 400 MismatchVolumeAZException) and
 * check_availability_zone on attach (400 InvalidVolume; same zone works).
 */
describe('cross_az_attach = False (fake driver, nova-volume in az1)', () => {
  let vol: VolumeHarness;
  let cloud: Cloud;
  let alice: ApiClient;

  before(async () => {
    vol = await startVolumeApi({ volume_server: { storage_availability_zone: 'az1' } });
    await vol.app.listen({ port: 0, host: '127.0.0.1' });
    const port = (vol.app.server.address() as AddressInfo).port;
    cloud = await startCloud({
      computes: ['zhost1', 'zhost2'],
      overrides: { cinder: { endpoint_template: `http://127.0.0.1:${port}/v3/%(project_id)s`, cross_az_attach: 'false' } },
    });
    const admin = new ApiClient(cloud.url, 'admin:admin', '2.1');
    const agg = await admin.post<Json>('/os-aggregates', { aggregate: { name: 'z1', availability_zone: 'az1' } });
    assert.equal(agg.status, 200, JSON.stringify(agg.body));
    assert.equal((await admin.post(`/os-aggregates/${agg.body.aggregate.id}/action`, { add_host: { host: 'zhost1' } })).status, 200);
    alice = new ApiClient(cloud.url, ALICE, '2.79');
  });
  after(async () => {
    await cloud?.stop();
    await vol?.close();
  });
  const message = (b: Json): string => String((Object.values(b)[0] as Json | undefined)?.message);
  const bootable = async () => {
    const v = await vol.volume({ name: 'root' });
    assert.equal((await vol.call('POST', `/v3/volumes/${v.id}/action`, { 'os-set_bootable': { bootable: true } })).status, 200);
    return v;
  };
  const bootFrom = (volumeId: string, extra: Json = {}) =>
    alice.post<Json>('/servers', {
      server: {
        name: 'z',
        flavorRef: '1',
        networks: 'none',
        block_device_mapping_v2: [{ source_type: 'volume', destination_type: 'volume', uuid: volumeId, boot_index: 0 }],
        ...extra,
      },
    });
  const gone = async (id: string) => {
    await alice.delete(`/servers/${id}`);
    await alice.waitGone(id);
  };

  it("boot: no zone asked gets the volume's zone; another zone is refused as Nova's MismatchVolumeAZException, nothing reserved", async () => {
    const v = await bootable();
    const other = await bootFrom(v.id, { availability_zone: 'nova' });
    assert.equal(other.status, 400, JSON.stringify(other.body));
    assert.equal(
      message(other.body),
      'The availability zone between the server and its attached volumes do not match: Server and volumes are not in the same availability zone. Server is in: nova. Volumes are in: az1.',
    );
    assert.equal((await vol.call('GET', `/v3/volumes/${v.id}`)).body.volume.status, 'available');
    const r = await bootFrom(v.id);
    assert.equal(r.status, 202, JSON.stringify(r.body));
    const s = await alice.waitFor(String(r.body.server.id), ['ACTIVE']);
    assert.equal(s['OS-EXT-AZ:availability_zone'], 'az1');
    await gone(String(s.id));
  });

  it('attach: a server of another zone is refused (InvalidVolume), one of the same zone gets the volume', async () => {
    const v = await vol.volume({ name: 'data' });
    const inNova = await alice.boot('z-nova', { networks: 'none', availability_zone: 'nova' });
    const inAz1 = await alice.boot('z-az1', { networks: 'none', availability_zone: 'az1' });
    await alice.waitFor(inNova, ['ACTIVE']);
    await alice.waitFor(inAz1, ['ACTIVE']);
    const refused = await alice.post<Json>(`/servers/${inNova}/os-volume_attachments`, { volumeAttachment: { volumeId: v.id } });
    assert.equal(refused.status, 400);
    assert.equal(message(refused.body), `Invalid volume: Instance ${inNova} and volume ${v.id} are not in the same availability_zone. Instance is in nova. Volume is in az1`);
    const ok = await alice.post<Json>(`/servers/${inAz1}/os-volume_attachments`, { volumeAttachment: { volumeId: v.id } });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    await gone(inNova);
    await gone(inAz1);
  });
});
