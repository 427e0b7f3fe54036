/**
 * The servers' sample cases: create, show, detail, list, update and rebuild
 * at each microversion Nova has a sample for, made as Nova's sample tests
 * make them (nova/tests/functional/api_sample_tests/test_servers.py: an
 * admin except at 2.90, list and detail with limit=1).
 */
import type { Pending } from '../support/api-samples.ts';
import type { ApiClient } from '../support/cloud.ts';
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

/** What a server body of Nova's samples has that needs networking or volumes. */
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
  { path: 'server.os-extended-volumes:volumes_attached[]', reason: 'attached volumes: no volume service yet (the list is empty)' },
  { path: 'servers[].os-extended-volumes:volumes_attached[]', reason: 'attached volumes: no volume service yet (the list is empty)' },
];

const DOWN_CELLS = 'a partial construct for an instance in a down cell (2.69): this deployment has one cell, never down';

export const serverCases: SampleCase[] = [
  {
    resource: 'servers',
    file: 'server-create-resp.json',
    skip: {
      '2.32': 'boots from a volume with device tags (block_device_mapping_v2): no volume service yet',
      '2.42': 'boots from a volume with device tags (block_device_mapping_v2): no volume service yet',
      '2.67': 'boots from a volume of a volume type: no volume service yet',
    },
    run: async (env, v) => (await serverAt(env, v)).created,
  },
  {
    resource: 'servers',
    file: 'server-get-resp.json',
    pending: SERVER_PENDING,
    skip: { '2.69': DOWN_CELLS },
    run: async (env, v) => body(clientFor(env, v).get(`/servers/${(await serverAt(env, v)).id}`)),
  },
  {
    resource: 'servers',
    file: 'servers-details-resp.json',
    pending: SERVER_PENDING,
    skip: { '2.69': DOWN_CELLS },
    run: async (env, v) => {
      await serverAt(env, v);
      // 2.73's sample lists without a limit (no next link); the others with limit=1.
      return body(clientFor(env, v).get(`/servers/detail?name=^sample-${v}$${v === '2.73' ? '' : '&limit=1'}`));
    },
  },
  {
    resource: 'servers',
    file: 'servers-list-resp.json',
    skip: { '2.69': DOWN_CELLS },
    run: async (env, v) => {
      await serverAt(env, v);
      return body(clientFor(env, v).get(`/servers?name=^sample-${v}$&limit=1`));
    },
  },
  {
    resource: 'servers',
    file: 'servers-list-status-resp.json',
    run: async (env, v) => {
      await serverAt(env, v);
      return body(clientFor(env, v).get(`/servers?name=^sample-${v}$&limit=1&status=active&status=error`));
    },
  },
  {
    resource: 'servers',
    file: 'servers-details-with-changes-before.json',
    pending: SERVER_PENDING,
    run: async (env, v) => {
      await serverAt(env, v);
      return body(clientFor(env, v).get(`/servers/detail?changes-before=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}&name=^sample-${v}$`));
    },
  },
  {
    resource: 'servers',
    file: 'servers-list-with-changes-before.json',
    run: async (env, v) => {
      await serverAt(env, v);
      return body(clientFor(env, v).get(`/servers?changes-before=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}&name=^sample-${v}$`));
    },
  },
  {
    resource: 'servers',
    file: 'server-update-resp.json',
    pending: SERVER_PENDING,
    run: async (env, v) => {
      const { id } = await serverAt(env, v);
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
      const { id } = await serverAt(env, v);
      return body(clientFor(env, v).put(`/servers/${id}`, { server: { name: 'updated-server-test', description: 'updated-server-description' } }));
    },
  },
  {
    resource: 'servers',
    file: 'server-action-rebuild-resp.json',
    pending: SERVER_PENDING,
    needsAction: 'rebuild',
    run: async (env, v) => {
      const { id } = await serverAt(env, v);
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
