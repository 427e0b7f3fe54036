/**
 * The image API's behaviour on one database backend: records, lists with
 * filters, sorting and pagination, show, JSON-patch updates, deletes and
 * the schemas. Run on SQLite (image-api.test.ts) and MariaDB
 * (image-mysql.test.ts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Ajv } from 'ajv';
import { imageSchema } from '../../src/image/schemas/image.ts';
import { ADMIN, ALICE, BOB, body, createImage, type ImageHarness, text } from './image-harness.ts';

type Image = Record<string, unknown>;
const PATCH = 'application/openstack-images-v2.1-json-patch';
const VIEW_KEYS = [
  'name',
  'disk_format',
  'container_format',
  'visibility',
  'size',
  'virtual_size',
  'status',
  'checksum',
  'protected',
  'min_ram',
  'min_disk',
  'owner',
  'os_hidden',
  'os_hash_algo',
  'os_hash_value',
  'id',
  'created_at',
  'updated_at',
  'tags',
  'self',
  'file',
  'schema',
];
const validView = new Ajv({ strict: false }).compile(imageSchema());

export function runImageApiSuite(backend: string, start: () => Promise<ImageHarness | string>): void {
  describe(`image API on ${backend}`, () => {
    let h: ImageHarness;
    let skip: string | undefined;
    before(async () => {
      const r = await start();
      if (typeof r === 'string') skip = r;
      else h = r;
    });
    after(async () => {
      await h?.close();
    });
    const patch = (id: string, ops: unknown, token = ALICE) => h.call('PATCH', `/v2/images/${id}`, { token, body: ops, contentType: PATCH });
    const list = async (query: string, token = ALICE) => {
      const res = await h.call('GET', `/v2/images${query}`, { token });
      assert.equal(res.statusCode, 200, res.body);
      return body<{ images: Image[]; first: string; schema: string; next?: string }>(res);
    };

    it('creates an image record with Glance defaults, custom properties as top-level keys', async (t) => {
      if (skip) return t.skip(skip);
      const res = await h.call('POST', '/v2/images', { body: { name: 'cirros', disk_format: 'qcow2', container_format: 'bare', os_distro: 'cirros', tags: ['a', 'b'] } });
      assert.equal(res.statusCode, 201, res.body);
      const img = body<Image>(res);
      assert.deepEqual(Object.keys(img), ['os_distro', ...VIEW_KEYS]);
      assert.match(img.id as string, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      assert.equal(res.headers.location, `http://localhost:80/v2/images/${img.id}`);
      assert.deepEqual(
        { ...img, id: undefined, created_at: undefined, updated_at: undefined },
        {
          os_distro: 'cirros',
          name: 'cirros',
          disk_format: 'qcow2',
          container_format: 'bare',
          visibility: 'shared',
          size: null,
          virtual_size: null,
          status: 'queued',
          checksum: null,
          protected: false,
          min_ram: 0,
          min_disk: 0,
          owner: 'projA',
          os_hidden: false,
          os_hash_algo: null,
          os_hash_value: null,
          id: undefined,
          created_at: undefined,
          updated_at: undefined,
          tags: ['a', 'b'],
          self: `/v2/images/${img.id}`,
          file: `/v2/images/${img.id}/file`,
          schema: '/v2/schemas/image',
        },
      );
      assert.match(img.created_at as string, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      assert.equal(img.updated_at, img.created_at);
      assert.ok(validView(img), JSON.stringify(validView.errors));
      const shown = await h.call('GET', `/v2/images/${img.id}`);
      assert.equal(shown.statusCode, 200);
      assert.deepEqual(body(shown), img);
    });

    it('takes a given id once (409 afterwards, even once deleted)', async (t) => {
      if (skip) return t.skip(skip);
      const id = '6f3c2a4e-0000-4000-8000-000000000001';
      assert.equal((await h.call('POST', '/v2/images', { body: { id, name: 'fixed' } })).statusCode, 201);
      const again = await h.call('POST', '/v2/images', { body: { id } });
      assert.equal(again.statusCode, 409);
      assert.match(body<{ message: string }>(again).message, /Image with identifier 6f3c2a4e-0000-4000-8000-000000000001 already exists!/);
      assert.equal((await h.call('DELETE', `/v2/images/${id}`)).statusCode, 204);
      assert.equal((await h.call('POST', '/v2/images', { body: { id } })).statusCode, 409);
    });

    it('lists with Glance filters (name, status, visibility, owner, tag, formats, size range, properties, in:)', async (t) => {
      if (skip) return t.skip(skip);
      await createImage(h, { name: 'flt-raw', tags: ['flt', 'x86'], hw_arch: 'x86_64' });
      await createImage(h, { name: 'flt-qcow', disk_format: 'qcow2', tags: ['flt'], visibility: 'private' });
      await createImage(h, { name: 'flt-bob', tags: ['flt'], container_format: 'ovf' }, BOB);
      const names = (r: { images: Image[] }) => r.images.map((i) => i.name).sort();
      assert.deepEqual(names(await list('?tag=flt')), ['flt-qcow', 'flt-raw']);
      assert.deepEqual(names(await list('?tag=flt&tag=x86')), ['flt-raw']);
      assert.deepEqual(names(await list('?name=flt-raw')), ['flt-raw']);
      assert.deepEqual(names(await list('?name=in:flt-raw,flt-qcow,nope')), ['flt-qcow', 'flt-raw']);
      assert.deepEqual(names(await list('?tag=flt&disk_format=qcow2')), ['flt-qcow']);
      assert.deepEqual(names(await list('?tag=flt&visibility=private')), ['flt-qcow']);
      assert.deepEqual(names(await list('?tag=flt&status=queued&owner=projA')), ['flt-qcow', 'flt-raw']);
      assert.deepEqual(names(await list('?tag=flt&hw_arch=x86_64')), ['flt-raw']);
      assert.deepEqual(names(await list('?tag=flt&size_min=1')), []);
      assert.deepEqual(names(await list('?tag=flt', ADMIN)), ['flt-bob', 'flt-qcow', 'flt-raw']);
      assert.deepEqual(names(await list('?tag=flt&container_format=ovf', ADMIN)), ['flt-bob']);
      assert.deepEqual(names(await list('?tag=flt&created_at=gte:2000-01-01T00:00:00Z')), ['flt-qcow', 'flt-raw']);
      const r = await list('?tag=flt');
      assert.equal(r.first, '/v2/images?tag=flt');
      assert.equal(r.schema, '/v2/schemas/images');
      assert.equal(r.next, undefined);
    });

    it('pages with limit/marker and next links, in every sort order', async (t) => {
      if (skip) return t.skip(skip);
      const made: string[] = [];
      for (const n of ['pg-c', 'pg-a', 'pg-e', 'pg-b', 'pg-d']) made.push((await createImage(h, { name: n, tags: ['pg'] })).id as string);
      const walk = async (query: string) => {
        const seen: string[] = [];
        let url: string | undefined = `/v2/images${query}`;
        for (let i = 0; url && i < 10; i++) {
          const res = await h.call('GET', url);
          assert.equal(res.statusCode, 200, res.body);
          const page = body<{ images: Image[]; next?: string }>(res);
          assert.ok(page.images.length <= 2);
          seen.push(...page.images.map((x) => x.name as string));
          url = page.next;
        }
        return seen;
      };
      assert.deepEqual(await walk('?tag=pg&limit=2&sort=name:asc'), ['pg-a', 'pg-b', 'pg-c', 'pg-d', 'pg-e']);
      assert.deepEqual(await walk('?tag=pg&limit=2&sort_key=name&sort_dir=desc'), ['pg-e', 'pg-d', 'pg-c', 'pg-b', 'pg-a']);
      assert.deepEqual(await walk('?tag=pg&limit=2&sort=status:asc,name:desc'), ['pg-e', 'pg-d', 'pg-c', 'pg-b', 'pg-a']);
      // Default: newest first (created_at desc, then id desc).
      const byDefault = (await list('?tag=pg')).images;
      assert.deepEqual(byDefault.map((x) => x.id).sort(), [...made].sort());
      for (let i = 1; i < byDefault.length; i++) assert.ok((byDefault[i - 1]?.created_at as string) >= (byDefault[i]?.created_at as string));
      const page = await list('?tag=pg&limit=2');
      assert.equal(page.next, `/v2/images?tag=pg&limit=2&marker=${page.images[1]?.id}`);
      assert.equal(page.first, '/v2/images?tag=pg&limit=2');
      // limit is capped by api_limit_max, never an error.
      assert.equal((await list('?tag=pg&limit=100000')).images.length, 5);
    });

    it('updates with JSON patch: name, visibility, min_ram, protected, tags and custom properties', async (t) => {
      if (skip) return t.skip(skip);
      const img = await createImage(h, { name: 'p1', os_distro: 'debian', extra: 'x' });
      const res = await patch(img.id as string, [
        { op: 'replace', path: '/name', value: 'p2' },
        { op: 'replace', path: '/visibility', value: 'private' },
        { op: 'replace', path: '/min_ram', value: 512 },
        { op: 'replace', path: '/protected', value: true },
        { op: 'replace', path: '/tags', value: ['t1', 't2', 't1'] },
        { op: 'add', path: '/hw_disk_bus', value: 'virtio' },
        { op: 'replace', path: '/os_distro', value: 'ubuntu' },
        { op: 'remove', path: '/extra' },
      ]);
      assert.equal(res.statusCode, 200, res.body);
      const u = body<Image>(res);
      assert.equal(u.name, 'p2');
      assert.equal(u.visibility, 'private');
      assert.equal(u.min_ram, 512);
      assert.equal(u.protected, true);
      assert.deepEqual(u.tags, ['t1', 't2']);
      assert.equal(u.hw_disk_bus, 'virtio');
      assert.equal(u.os_distro, 'ubuntu');
      assert.equal('extra' in u, false);
      assert.deepEqual(body(await h.call('GET', `/v2/images/${img.id}`)), u);
    });

    it('answers Glance errors for bad patches', async (t) => {
      if (skip) return t.skip(skip);
      const id = (await createImage(h, { name: 'bad-patch', prop: 'v' })).id as string;
      const cases: [unknown, number, RegExp, string?][] = [
        [[{ op: 'remove', path: '/name' }], 403, /Property name may not be removed/],
        [[{ op: 'remove', path: '/nope' }], 409, /Property nope does not exist/],
        [[{ op: 'replace', path: '/nope', value: 'x' }], 409, /Property nope does not exist/],
        [[{ op: 'replace', path: '/status', value: 'active' }], 403, /Attribute 'status' is read-only/],
        [[{ op: 'replace', path: '/id', value: 'x' }], 403, /Attribute 'id' is read-only/],
        [[{ op: 'add', path: '/deleted', value: 'x' }], 403, /Attribute 'deleted' is reserved/],
        [[{ op: 'add', path: '/os_glance_x', value: 'x' }], 403, /Attribute 'os_glance_x' is reserved/],
        [[{ op: 'replace', path: '/min_ram', value: 'lots' }], 400, /'lots' is not of type 'integer'/],
        [[{ op: 'replace', path: '/min_disk', value: -1 }], 400, /Invalid value '-1' for parameter 'min_disk': Cannot be a negative value/],
        [[{ op: 'replace', path: '/visibility', value: 'everyone' }], 400, /'everyone' is not one of/],
        [[{ op: 'replace', path: '/protected', value: 'yes' }], 400, /'yes' is not of type 'boolean'/],
        [[{ op: 'add', path: '/prop2', value: 5 }], 400, /5 is not of type 'string'/],
        [[{ op: 'replace', path: '/name' }], 400, /Operation "replace" requires a member named "value"/],
        [[{ op: 'move', path: '/name', value: 'x' }], 400, /Invalid operation: `move`/],
        [[{ path: '/name', value: 'x' }], 400, /Unable to find `op` in JSON Schema change/],
        [[{ op: 'replace', path: 'name', value: 'x' }], 400, /does not start with "\/"/],
        [[{ op: 'replace', path: '/a/b', value: 'x' }], 400, /Invalid JSON pointer for this resource: '\/a\/b'/],
        [{ op: 'replace', path: '/name', value: 'x' }, 400, /Request body must be a JSON array of operation objects/],
        [['x'], 400, /Operations must be JSON objects/],
        ['[not json', 400, /Malformed JSON in request body/],
        [[{ op: 'replace', path: '/disk_format', value: 'iso' }], 200, /"disk_format":"iso"/],
        [[{ add: '/prop', value: 'w' }], 409, /Property prop already present/, 'application/openstack-images-v2.0-json-patch'],
        [[{ replace: '/prop', value: 'w' }], 200, /"prop":"w"/, 'application/openstack-images-v2.0-json-patch'],
      ];
      for (const [ops, status, message, contentType] of cases) {
        const res = await h.call('PATCH', `/v2/images/${id}`, { body: ops, contentType: contentType ?? PATCH });
        assert.equal(res.statusCode, status, `${JSON.stringify(ops)}: ${res.body}`);
        assert.match(text(res), message, JSON.stringify(ops));
      }
      const wrongType = await h.call('PATCH', `/v2/images/${id}`, { body: [] });
      assert.equal(wrongType.statusCode, 415);
      assert.equal(wrongType.headers['accept-patch'], 'application/openstack-images-v2.0-json-patch, application/openstack-images-v2.1-json-patch');
      assert.match(body<{ message: string }>(wrongType).message, /Image PATCH expects Content-Type one of/);
    });

    it('deletes (204, then 404); a protected image is 403 until unprotected', async (t) => {
      if (skip) return t.skip(skip);
      const id = (await createImage(h, { name: 'prot', protected: true })).id as string;
      const refused = await h.call('DELETE', `/v2/images/${id}`);
      assert.equal(refused.statusCode, 403);
      assert.equal(body<{ message: string }>(refused).message, `Image ${id} is protected and cannot be deleted.<br /><br />\n\n\n`);
      assert.equal((await patch(id, [{ op: 'replace', path: '/protected', value: false }])).statusCode, 200);
      assert.equal((await h.call('DELETE', `/v2/images/${id}`)).statusCode, 204);
      const gone = await h.call('GET', `/v2/images/${id}`);
      assert.equal(gone.statusCode, 404);
      assert.deepEqual(body(gone), { message: `No image found with ID ${id}<br /><br />\n\n\n`, code: '404 Not Found', title: 'Not Found' });
      assert.equal((await h.call('DELETE', `/v2/images/${id}`)).statusCode, 404);
      assert.equal((await list('?name=prot')).images.length, 0);
    });
  });
}
