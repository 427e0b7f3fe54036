/**
 * The servers' sample cases: create, show, detail, list, update and rebuild
 * at each microversion Nova has a sample for, made as Nova's sample tests
 * make them (nova/tests/functional/api_sample_tests/test_servers.py: an
 * admin except at 2.90, list and detail with limit=1).
 */
import type { Pending } from '../support/api-samples.ts';
import { loadSample } from '../support/api-samples.ts';
import type { ApiClient } from '../support/cloud.ts';
import { until } from '../support/procs.ts';
import { atLeast, body, type SampleCase, type SampleEnv } from './api-samples.case.ts';

/** Nova's 2.90 samples are taken as a project member (hostname is shown to non-admins from 2.90); the others as an admin. */
const clientFor = (env: SampleEnv, v: string): ApiClient => (v === '2.90' ? env.member : env.admin).at(v);

/** A create body valid at `v`, with the fields the samples' bodies show (disk config, access IPs, metadata, user data…). */
export function createBody(v: string, name = 'new-server-test'): Record<string, unknown> {
  const server: Record<string, unknown> = {
    name,
    imageRef: 'cirros',
    flavorRef: '1',
    'OS-DCF:diskConfig': 'AUTO',
    accessIPv4: '1.2.3.4',
    accessIPv6: '80fe::',
    metadata: { 'My Server Name': 'Apache1' },
    user_data: 'IyEvYmluL2Jhc2gKL2Jpbi9zdQplY2hvICJJIGFtIGluIHlvdSEiCg==',
    security_groups: [{ name: 'default' }],
  };
  if (atLeast(v, '2.19')) server.description = 'new-server-description';
  if (atLeast(v, '2.37')) server.networks = 'auto';
  if (atLeast(v, '2.90')) server.hostname = 'custom-hostname';
  return { server };
}

/** One ACTIVE server per microversion and caller, booted at that microversion (created once, reused by show/detail/list/update). */
const booted = new Map<string, Promise<{ id: string; created: unknown }>>();
export function serverAt(env: SampleEnv, v: string): Promise<{ id: string; created: unknown }> {
  let p = booted.get(v);
  if (!p) {
    p = (async () => {
      const c = clientFor(env, v);
      const req = createBody(v, `sample-${v}`);
      // From 2.71 Nova's samples show the server's group: boot it into one.
      if (atLeast(v, '2.71')) req['OS-SCH-HNT:scheduler_hints'] = { group: await env.serverGroup(c) };
      const r = await c.post('/servers', req);
      if (r.status !== 202) throw new Error(`create at ${v}: ${r.status} ${JSON.stringify(r.body)}`);
      const id = (r.body as { server: { id: string } }).server.id;
      await c.waitFor(id, ['ACTIVE']);
      return { id, created: r.body };
    })();
    booted.set(v, p);
  }
  return p;
}

/** The volume attached to the sample server of each microversion, if any. */
const attached = new Map<string, string>();
const volumeStatus = (env: SampleEnv, c: ApiClient, id: string, want: string) =>
  until(async () => (await env.volume.call('GET', `/v3/volumes/${id}`, undefined, c.token)).body.volume?.status === want, 15_000, `volume ${id} ${want}`, 50);

/** Does Nova's sample show attached volumes (os-extended-volumes:volumes_attached with entries)? Undefined when it has no such field. */
function sampleHasVolumes(file: string, v: string): boolean | undefined {
  const text = JSON.stringify(loadSample('servers', file, v));
  if (!text.includes('"os-extended-volumes:volumes_attached"')) return undefined;
  return text.includes('"os-extended-volumes:volumes_attached":[{');
}

/**
 * The sample server of `v`, with a volume attached (made by the volume
 * service in the client's project) when Nova's sample `file` shows attached
 * volumes, and without one when it shows an empty list: Nova's sample tests
 * stub two volumes for some requests and none for others (2.63 on, 2.90's
 * update and rebuild).
 */
async function sampleServer(env: SampleEnv, v: string, file: string): Promise<string> {
  const { id } = await serverAt(env, v);
  const c = clientFor(env, v);
  const want = sampleHasVolumes(file, v);
  const have = attached.get(v);
  if (want === undefined) return id;
  if (want && !have) {
    const vol = await env.volume.volume({ name: `sample-vol-${v}` }, c.token);
    const r = await c.post(`/servers/${id}/os-volume_attachments`, { volumeAttachment: { volumeId: vol.id } });
    if (r.status !== 200) throw new Error(`attach: ${r.status} ${JSON.stringify(r.body)}`);
    await volumeStatus(env, c, vol.id, 'in-use');
    attached.set(v, vol.id);
  } else if (!want && have) {
    const r = await c.delete(`/servers/${id}/os-volume_attachments/${have}`);
    if (r.status !== 202) throw new Error(`detach: ${r.status} ${JSON.stringify(r.body)}`);
    await volumeStatus(env, c, have, 'available');
    await until(async () => !JSON.stringify((await c.get(`/servers/${id}`)).body).includes(have), 15_000, `volume ${have} gone from the server`, 50);
    attached.delete(v);
  }
  return id;
}

/** The volume type of 2.67's sample (lvm-1), made once in the volume service. */
let lvmType: Promise<void> | undefined;
const volumeType = (env: SampleEnv): Promise<void> =>
  (lvmType ??= env.volume.call('POST', '/v3/types', { volume_type: { name: 'lvm-1' } }, 'admin:admin').then((r) => {
    if (r.status !== 200) throw new Error(`volume type: ${r.status} ${JSON.stringify(r.body)}`);
  }));

/**
 * Nova's create request at 2.32, 2.42 and 2.67 (server-create-req.json):
 * boot from an image copied to a new volume with a device tag (and a
 * volume type at 2.67), the image being one of the volume service's.
 */
async function bootFromVolume(env: SampleEnv, v: string): Promise<unknown> {
  const c = clientFor(env, v);
  const image = env.volume.images.add(Buffer.alloc(4096, 1), { name: `sample-bfv-${v}` });
  const bdm: Record<string, unknown> = { uuid: image.id, source_type: 'image', destination_type: 'volume', boot_index: 0, volume_size: '1', tag: 'disk1' };
  if (v === '2.67') {
    await volumeType(env);
    bdm.volume_type = 'lvm-1';
  }
  const name = v === '2.67' ? 'bfv-server-with-volume-type' : 'device-tagging-server';
  const r = await c.post('/servers', { server: { name, flavorRef: '1', networks: atLeast(v, '2.37') ? 'none' : [], block_device_mapping_v2: [bdm] } });
  if (r.status !== 202) throw new Error(`create at ${v}: ${r.status} ${JSON.stringify(r.body)}`);
  const id = (r.body as { server: { id: string } }).server.id;
  await c.waitFor(id, ['ACTIVE']).catch(async (e: Error) => {
    throw new Error(`${e.message}: ${JSON.stringify((await c.get(`/servers/${id}`)).body)}`);
  });
  return r.body;
}

/** Nova's samples' requests with a block_device_mapping_v2 (the others boot from an image). */
const BFV_VERSIONS = new Set(['2.32', '2.42', '2.67']);

/** What a server body of Nova's samples has that needs networking. */
export const SERVER_PENDING: readonly Pending[] = [
  { path: 'server.addresses.private', reason: "a server's addresses come from its ports: no network service yet (addresses is {})" },
  { path: 'servers[].addresses.private', reason: "a server's addresses come from its ports: no network service yet (addresses is {})" },
  {
    path: 'server.security_groups',
    reason: "Nova shows the security groups of the server's ports (none without a network service, as the HTTP trace's servers booted with --nic none)",
  },
  {
    path: 'servers[].security_groups',
    reason: "Nova shows the security groups of the server's ports (none without a network service, as the HTTP trace's servers booted with --nic none)",
  },
];

const DOWN_CELLS = 'a partial construct for an instance in a down cell (2.69): this deployment has one cell, never down';

export const serverCases: SampleCase[] = [
  {
    resource: 'servers',
    file: 'server-create-resp.json',
    run: async (env, v) => (BFV_VERSIONS.has(v) ? bootFromVolume(env, v) : (await serverAt(env, v)).created),
  },
  {
    resource: 'servers',
    file: 'server-get-resp.json',
    pending: SERVER_PENDING,
    skip: { '2.69': DOWN_CELLS },
    run: async (env, v) => body(clientFor(env, v).get(`/servers/${await sampleServer(env, v, 'server-get-resp.json')}`)),
  },
  {
    resource: 'servers',
    file: 'servers-details-resp.json',
    pending: SERVER_PENDING,
    skip: { '2.69': DOWN_CELLS },
    run: async (env, v) => {
      await sampleServer(env, v, 'servers-details-resp.json');
      // 2.73's sample lists without a limit (no next link); the others with limit=1.
      return body(clientFor(env, v).get(`/servers/detail?name=^sample-${v}$${v === '2.73' ? '' : '&limit=1'}`));
    },
  },
  {
    resource: 'servers',
    file: 'servers-list-resp.json',
    skip: { '2.69': DOWN_CELLS },
    run: async (env, v) => {
      await sampleServer(env, v, 'servers-list-resp.json');
      return body(clientFor(env, v).get(`/servers?name=^sample-${v}$&limit=1`));
    },
  },
  {
    resource: 'servers',
    file: 'servers-list-status-resp.json',
    run: async (env, v) => {
      await sampleServer(env, v, 'servers-list-status-resp.json');
      return body(clientFor(env, v).get(`/servers?name=^sample-${v}$&limit=1&status=active&status=error`));
    },
  },
  {
    resource: 'servers',
    file: 'servers-details-with-changes-before.json',
    pending: SERVER_PENDING,
    run: async (env, v) => {
      await sampleServer(env, v, 'servers-details-with-changes-before.json');
      return body(clientFor(env, v).get(`/servers/detail?changes-before=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}&name=^sample-${v}$`));
    },
  },
  {
    resource: 'servers',
    file: 'servers-list-with-changes-before.json',
    run: async (env, v) => {
      await sampleServer(env, v, 'servers-list-with-changes-before.json');
      return body(clientFor(env, v).get(`/servers?changes-before=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}&name=^sample-${v}$`));
    },
  },
  {
    resource: 'servers',
    file: 'server-update-resp.json',
    pending: SERVER_PENDING,
    run: async (env, v) => {
      const id = await sampleServer(env, v, 'server-update-resp.json');
      const server: Record<string, unknown> = { name: 'new-server-test', accessIPv4: '4.3.2.1', accessIPv6: '80fe::', 'OS-DCF:diskConfig': 'AUTO' };
      if (atLeast(v, '2.19')) server.description = 'Sample description';
      if (v === '2.90') {
        delete server.name;
        server.hostname = 'new-server-hostname';
      }
      return body(clientFor(env, v).put(`/servers/${id}`, { server }));
    },
  },
  {
    resource: 'servers',
    file: 'server-put-resp.json',
    pending: SERVER_PENDING,
    run: async (env, v) => {
      const id = await sampleServer(env, v, 'server-put-resp.json');
      return body(clientFor(env, v).put(`/servers/${id}`, { server: { name: 'updated-server-test', description: 'updated-server-description' } }));
    },
  },
  {
    resource: 'servers',
    file: 'server-action-rebuild-resp.json',
    pending: SERVER_PENDING,
    needsAction: 'rebuild',
    run: async (env, v) => {
      const id = await sampleServer(env, v, 'server-action-rebuild-resp.json');
      const rebuild: Record<string, unknown> = {
        imageRef: 'cirros',
        name: 'foobar',
        adminPass: 'seekr3t',
        accessIPv4: '1.2.3.4',
        accessIPv6: '80fe::',
        metadata: { meta_var: 'meta_val' },
        'OS-DCF:diskConfig': 'AUTO',
      };
      if (atLeast(v, '2.19')) rebuild.description = 'description of foobar';
      if (atLeast(v, '2.54')) rebuild.key_name = null;
      if (atLeast(v, '2.57')) rebuild.user_data = 'ZWNobyAiaGVsbG8gd29ybGQi';
      if (atLeast(v, '2.90')) rebuild.hostname = 'custom-hostname';
      const c = clientFor(env, v);
      const out = await body(c.post(`/servers/${id}/action`, { rebuild }), 202);
      await c.waitFor(id, ['ACTIVE']);
      return out;
    },
  },
];
