import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { until } from '../support/procs.ts';
import { type Ran, volumeCloud } from '../support/volume-cli.ts';

type Json = Record<string, unknown>;

const IN_USE_DELETE =
  'Invalid volume: Volume status must be available or error or error_restoring or error_extending or error_managing and must not be migrating, attached, belong to a group, have snapshots, awaiting a transfer, or be disassociated from snapshots after volume transfer. (HTTP 400)';

/**
 * The unmodified `openstack` client against nova-volume as its own process
 * (file driver) in a cloud of separate processes under Keystone (MariaDB,
 * RabbitMQ): volumes from a snapshot and from a volume, extend, bootable,
 * read-only, properties; the default type, a private type shared with a
 * project and unshared, a volume of a type, a retype and back, the in-use type's delete
 * refused; quotas of a project (set, show, Cinder's 413s), absolute limits,
 * availability zones; list filters, pages and --long, the server's sort;
 * Cinder's errors (in-use and snapshotted deletes, a missing volume, a
 * smaller extend, a snapshot of an in-use volume without force, and with
 * 3.66 none needed); a volume uploaded to the image service. Raw requests
 * (with the client's token) only where OSC 6.0 cannot say it.
 */
describe('the openstack client: the volume API and its errors', () => {
  const v = volumeCloud();
  let volumeUrl = '';
  let token = '';
  let userEnv: Record<string, string> = {};
  /** The clients as the admin, or with `env` (u2's). */
  const as = (env?: Record<string, string>) => (env ? v.cli.as(env) : v.cli);
  const os = (args: string[], env?: Record<string, string>): Promise<Ran> => as(env).os(args);
  /** A command that must fail; its stderr. */
  async function refused(args: string[], env?: Record<string, string>): Promise<string> {
    const r = await as(env).os(args, false);
    assert.notEqual(r.code, 0, `openstack ${args.join(' ')} succeeded:\n${r.stdout}`);
    return r.stderr;
  }
  const osJson = <T = Json>(args: string[], env?: Record<string, string>): Promise<T> => as(env).osJson<T>(args);
  const available = (name: string, status = 'available', kind: 'volume' | 'volume snapshot' | 'image' = 'volume'): Promise<Json> => v.cli.volumeStatus(name, status, kind);
  /** A raw request to the volume API with the admin's token. */
  async function rest(method: string, path: string, body?: unknown, version = '3.0'): Promise<{ status: number; body: Json }> {
    const res = await fetch(`${volumeUrl}${path}`, {
      method,
      headers: { 'x-auth-token': token, 'openstack-api-version': `volume ${version}`, accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Json) : {} };
  }

  it('volumes from a snapshot and a volume; extend, bootable, read-only, properties', async (t) => {
    if (v.skip) return t.skip(v.skip);
    const [endpoint] = await osJson<Json[]>(['endpoint', 'list', '--service', 'volumev3', '--interface', 'public']);
    volumeUrl = String(endpoint?.URL).replace(/\/$/, '');
    token = (await os(['token', 'issue', '-f', 'value', '-c', 'id'])).stdout.trim();

    await os(['volume', 'create', '--size', '1', '--property', 'tier=gold', 'v1']);
    const v1 = await available('v1');
    await os(['volume', 'snapshot', 'create', '--volume', 'v1', 's1']);
    const s1 = await available('s1', 'available', 'volume snapshot');
    await os(['volume', 'create', '--snapshot', 's1', 'from-snap']);
    await os(['volume', 'create', '--source', 'v1', '--size', '2', 'clone']);
    const fromSnap = await available('from-snap');
    assert.deepEqual([fromSnap.snapshot_id, fromSnap.size], [s1.id, 1]);
    const clone = await available('clone');
    assert.deepEqual([clone.source_volid, clone.size], [v1.id, 2]);

    await os(['volume', 'set', '--size', '3', 'v1']);
    assert.equal((await available('v1')).size, 3);
    // OSC refuses a smaller size before asking; the service's answer, as Cinder's:
    const smaller = await rest('POST', `/volumes/${v1.id}/action`, { 'os-extend': { new_size: 2 } });
    assert.deepEqual(smaller, {
      status: 400,
      body: { badRequest: { code: 400, message: 'Invalid input received: New size for extend must be greater than current size. (current: 3, extended: 2).' } },
    });

    await os(['volume', 'set', '--bootable', '--read-only', '--property', 'k1=a', '--property', 'k2=b', 'v1']);
    let shown = await osJson<Json>(['volume', 'show', 'v1']);
    assert.equal(shown.bootable, 'true');
    assert.deepEqual(shown.properties, { tier: 'gold', k1: 'a', k2: 'b', readonly: 'True' });
    await os(['volume', 'unset', '--property', 'k1', '--property', 'tier', 'v1']);
    await os(['volume', 'set', '--non-bootable', '--read-write', 'v1']);
    shown = await osJson<Json>(['volume', 'show', 'v1']);
    assert.equal(shown.bootable, 'false');
    assert.deepEqual(shown.properties, { k2: 'b', readonly: 'False' });
  });

  it("Cinder's errors: in-use and snapshotted deletes, a missing volume, snapshots of an in-use volume", async (t) => {
    if (v.skip) return t.skip(v.skip);
    // v1 has the snapshot s1.
    assert.match(await refused(['volume', 'delete', 'v1']), new RegExp(literal(IN_USE_DELETE)));
    // An in-use volume (its state set by the admin: no server here).
    await os(['volume', 'set', '--state', 'in-use', 'clone']);
    assert.match(await refused(['volume', 'delete', 'clone']), new RegExp(literal(IN_USE_DELETE)));
    const clone = await osJson<Json>(['volume', 'show', 'clone']);
    assert.match(
      await refused(['volume', 'snapshot', 'create', '--volume', 'clone', 'no-force']),
      new RegExp(literal(`Invalid volume: Volume ${String(clone.id)} status must be available, but current status is: in-use. (HTTP 400)`)),
    );
    await os(['volume', 'snapshot', 'create', '--volume', 'clone', '--force', 'forced']);
    // From 3.66 no force is needed (the client then sends none).
    await os(['--os-volume-api-version', '3.66', 'volume', 'snapshot', 'create', '--volume', 'clone', '--force', 'at-366']);
    await available('forced', 'available', 'volume snapshot');
    await available('at-366', 'available', 'volume snapshot');
    await os(['volume', 'set', '--state', 'available', 'clone']);
    await os(['volume', 'snapshot', 'delete', 'forced', 'at-366', 's1']);

    const missing = '00000000-0000-4000-8000-000000000000';
    assert.match(await refused(['volume', 'show', missing]), /No volume with a name or ID of '00000000-0000-4000-8000-000000000000' exists/);
    assert.deepEqual(await rest('GET', `/volumes/${missing}`), {
      status: 404,
      body: { itemNotFound: { code: 404, message: `Volume ${missing} could not be found.` } },
    });
    assert.equal((await rest('DELETE', `/volumes/${missing}`)).status, 404);
    await until(async () => (await osJson<Json[]>(['volume', 'snapshot', 'list'])).length === 0, 60_000, 'snapshots deleted', 500);
  });

  it('volume types: the default, a private type shared and unshared, a volume of a type, the in-use type kept', async (t) => {
    if (v.skip) return t.skip(v.skip);
    const defaults = await osJson<Json[]>(['volume', 'type', 'list', '--default']);
    assert.deepEqual(
      defaults.map((x) => x.Name),
      ['__DEFAULT__'],
    );
    const def = await osJson<Json>(['volume', 'type', 'show', '__DEFAULT__']);
    assert.deepEqual([def.is_public, def.description], [true, 'Default Volume Type']);

    await os(['project', 'create', 'p2']);
    await os(['user', 'create', '--project', 'p2', '--password', 'u2-secret', 'u2']);
    await os(['role', 'add', '--user', 'u2', '--project', 'p2', 'member']);
    userEnv = v.cloud.envFor('u2', 'u2-secret', 'p2');
    const gold = await osJson<Json>(['volume', 'type', 'create', '--private', '--project', 'p2', 'gold']);
    assert.equal(gold.is_public, false);
    const names = async () => (await osJson<Json[]>(['volume', 'type', 'list'], userEnv)).map((x) => x.Name).sort();
    assert.deepEqual(await names(), ['__DEFAULT__', 'gold']);
    const admin = (await osJson<Json>(['project', 'show', 'admin'])).id;
    await os(['volume', 'type', 'set', '--project', 'admin', 'gold']);
    await os(['volume', 'type', 'unset', '--project', 'p2', 'gold']);
    assert.deepEqual((await osJson<Json>(['volume', 'type', 'show', 'gold'])).access_project_ids, [admin]);
    assert.deepEqual(await names(), ['__DEFAULT__']);
    assert.match(await refused(['volume', 'create', '--type', 'gold', '--size', '1', 'nope'], userEnv), /Volume type with name gold could not be found. \(HTTP 404\)/);

    await os(['volume', 'create', '--type', 'gold', '--size', '1', 'golden']);
    assert.equal((await available('golden')).type, 'gold');
    assert.match(await refused(['volume', 'type', 'delete', 'gold']), /Target volume type is still in use. \(HTTP 400\)/);
    // Retype (one backend: the data stays where it is), to the type and back; the same type refused.
    await os(['volume', 'set', '--type', 'gold', '--retype-policy', 'on-demand', 'clone']);
    assert.equal((await available('clone')).type, 'gold');
    await os(['volume', 'set', '--type', '__DEFAULT__', 'clone']);
    assert.equal((await available('clone')).type, '__DEFAULT__');
    assert.match(await refused(['volume', 'set', '--type', '__DEFAULT__', 'clone']), /Invalid volume: Retype needs volume to be in available or in-use state/);
    await os(['volume', 'delete', 'golden']);
    await until(async () => !(await osJson<Json[]>(['volume', 'list'])).some((v) => v.Name === 'golden'), 60_000, 'golden deleted', 500);
    await os(['volume', 'type', 'delete', 'gold']);
  });

  it("quotas of a project, Cinder's 413s, absolute limits, availability zones", async (t) => {
    if (v.skip) return t.skip(v.skip);
    await os(['quota', 'set', '--volumes', '1', '--gigabytes', '5', '--snapshots', '1', 'p2']);
    const q = await osJson<Json>(['quota', 'show', 'p2']);
    assert.deepEqual([q.volumes, q.gigabytes, q.snapshots], [1, 5, 1]);
    await os(['volume', 'create', '--size', '1', 'u2-vol'], userEnv);
    assert.match(await refused(['volume', 'create', '--size', '1', 'u2-more'], userEnv), /Maximum number of volumes allowed \(1\) exceeded for quota 'volumes'. \(HTTP 413\)/);
    await os(['quota', 'set', '--volumes', '3', 'p2']);
    assert.match(
      await refused(['volume', 'create', '--size', '5', 'u2-big'], userEnv),
      /Requested volume or snapshot exceeds allowed gigabytes quota. Requested 5G, quota is 5G and 1G has been consumed. \(HTTP 413\)/,
    );
    const limits = new Map((await osJson<Json[]>(['limits', 'show', '--absolute'], userEnv)).map((l) => [l.Name, l.Value]));
    assert.deepEqual(
      ['maxTotalVolumes', 'totalVolumesUsed', 'maxTotalVolumeGigabytes', 'totalGigabytesUsed', 'maxTotalSnapshots', 'totalSnapshotsUsed'].map((k) => limits.get(k)),
      [3, 1, 5, 1, 1, 0],
    );
    // Below what is used: Cinder's 400.
    assert.match(
      await refused(['quota', 'set', '--gigabytes', '0', 'p2']),
      /Quota gigabytes limit must be equal or greater than existing resources. Current usage is 1 and the requested limit is 0. \(HTTP 400\)/,
    );
    await os(['volume', 'delete', 'u2-vol'], userEnv);

    const zones = await osJson<Json[]>(['availability', 'zone', 'list', '--volume']);
    assert.deepEqual(zones, [{ 'Zone Name': 'nova', 'Zone Status': 'available' }]);
  });

  it("list filters, pages and --long; the server's sort", async (t) => {
    if (v.skip) return t.skip(v.skip);
    await os(['volume', 'set', '--state', 'error', 'from-snap']);
    const byName = await osJson<Json[]>(['volume', 'list', '--name', 'clone']);
    assert.deepEqual(
      byName.map((v) => [v.Name, v.Status, v.Size]),
      [['clone', 'available', 2]],
    );
    const errored = await osJson<Json[]>(['volume', 'list', '--status', 'error']);
    assert.deepEqual(
      errored.map((v) => v.Name),
      ['from-snap'],
    );
    await os(['volume', 'set', '--state', 'available', 'from-snap']);
    // Newest first, as Cinder's default sort (created_at, id descending).
    const all = await osJson<Json[]>(['volume', 'list']);
    assert.deepEqual(
      all.map((v) => v.Name),
      ['clone', 'from-snap', 'v1'],
    );
    const first = await osJson<Json[]>(['volume', 'list', '--limit', '2']);
    assert.deepEqual(
      first.map((v) => v.Name),
      ['clone', 'from-snap'],
    );
    const rest2 = await osJson<Json[]>(['volume', 'list', '--limit', '2', '--marker', String(first[1]?.ID)]);
    assert.deepEqual(
      rest2.map((v) => v.Name),
      ['v1'],
    );
    const long = await osJson<Json[]>(['volume', 'list', '--long', '--name', 'v1']);
    assert.deepEqual(
      long.map((v) => [v.Name, v.Type, v.Bootable, v.Properties]),
      [['v1', '__DEFAULT__', 'false', { k2: 'b', readonly: 'False' }]],
    );
    // OSC 6.0 sorts client-side only (--sort-column); the server's sort and its next link:
    const sorted = await rest('GET', '/volumes?sort=name:asc&limit=2');
    assert.deepEqual(
      (sorted.body.volumes as Json[]).map((v) => v.name),
      ['clone', 'from-snap'],
    );
    const next = new URL(String((sorted.body.volumes_links as Json[])[0]?.href));
    const page2 = await rest('GET', `/volumes?${next.searchParams}`);
    assert.deepEqual(
      (page2.body.volumes as Json[]).map((v) => v.name),
      ['v1'],
    );
    const desc = await rest('GET', '/volumes?sort_key=size&sort_dir=desc');
    assert.deepEqual(
      (desc.body.volumes as Json[]).map((v) => v.name),
      ['v1', 'clone', 'from-snap'],
    );
  });

  it('a volume uploaded to the image service becomes an active image; the cleanup', async (t) => {
    if (v.skip) return t.skip(v.skip);
    await os(['image', 'create', '--volume', 'clone', '--disk-format', 'qcow2', 'from-clone']);
    const image = await available('from-clone', 'active', 'image');
    assert.equal(image.disk_format, 'qcow2');
    await available('clone');
    await os(['image', 'delete', 'from-clone']);
    await os(['volume', 'delete', 'v1', 'from-snap', 'clone']);
    await until(async () => (await osJson<Json[]>(['volume', 'list'])).length === 0, 60_000, 'volumes deleted', 500);
  });
});

function literal(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
