/**
 * Our response bodies against Nova's documented samples (doc/api_samples of
 * the nova repository at 26.2.2, the release the HTTP trace was recorded
 * from; copied under test/fixtures/api-samples). For each sample and each
 * microversion Nova has one for, the test makes the request Nova's sample
 * test makes, at that microversion, and compares the field sets: every key
 * path, recursively, not the values. A field must be there exactly from the
 * microversion that added it until the one that removed it.
 *
 * What cannot match yet is said here, with the reason: a sample that needs a
 * feature this project lacks (`skip` per case and microversion, or
 * NOT_COVERED for a whole sample), or part of a body that needs one
 * (`pending`: addresses need networking). A pending part our body now has
 * fails the test, so the entry goes once the feature lands. The volume
 * service runs beside the cloud (in process, its in-memory driver): the
 * samples' attached volumes and boots from volumes are real ones.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { allSamples, diffFields, loadSample, sampleVersions } from '../support/api-samples.ts';
import { ApiClient, type Cloud, startCloud } from '../support/cloud.ts';
import { atLeast, NotYet, type SampleCase, type SampleEnv } from './api-samples.case.ts';
import { projectCases } from './api-samples.project.case.ts';
import { resourceCases } from './api-samples.resources.case.ts';
import { serverCases } from './api-samples.servers.case.ts';
import { createComputeHost } from './harness.ts';
import { startVolumeApi, type VolumeHarness } from './volume-harness.ts';

/** Dictionaries keyed by data, not by field names. */
const OPAQUE = ['metadata', 'extra_specs'];

const CASES: readonly SampleCase[] = [...serverCases, ...resourceCases, ...projectCases];

/** Samples of the copied directories no case covers, and why. */
const NOT_COVERED: Readonly<Record<string, string>> = {
  'servers/server-action-create-image-resp.json': 'createImage (snapshots) is not implemented yet',
  'servers/server-get-down-cell-resp.json': 'a partial construct for an instance in a down cell: this deployment has one cell, never down',
  'servers/server-groups-post-resp.json': 'the 2.71 server tests create their group with it; os-server-groups/server-groups-post-resp.json covers that body',
};

describe("response bodies have the fields of Nova's API samples", () => {
  let cloud: Cloud;
  let volume: VolumeHarness;
  let env: SampleEnv;
  const actions = new Map<string, boolean>();
  before(async () => {
    // The volume service beside the cloud (in process, its in-memory driver), as the volume functional tests have it.
    volume = await startVolumeApi({ volume_server: { quota_volumes: '-1' } });
    await volume.app.listen({ port: 0, host: '127.0.0.1' });
    const port = (volume.app.server.address() as AddressInfo).port;
    cloud = await startCloud({
      computes: ['compute', 'host2'],
      overrides: {
        fake: { memory_mb: '800000', vcpus: '1000', local_gb: '600000' },
        cinder: { endpoint_template: `http://127.0.0.1:${port}/v3/%(project_id)s` },
      },
    });
    // A compute node with no servers (its service disabled, so nothing is scheduled there), for the "without servers" samples.
    await createComputeHost(cloud.db, 'host3', { disabled: true });
    const admin = new ApiClient(cloud.url, 'admin:admin');
    const groups = new Map<string, Promise<string>>();
    env = {
      cloud,
      volume,
      admin,
      member: admin.as('alice:projA'),
      host: 'compute',
      serverGroup(c) {
        const key = `${c.token}@${c.version ?? ''}`;
        let g = groups.get(key);
        if (!g) {
          const group = c.version && atLeast(c.version, '2.64') ? { name: 'test', policy: 'affinity' } : { name: 'test', policies: ['affinity'] };
          g = c.post<{ server_group: { id: string } }>('/os-server-groups', { server_group: group }).then((r) => {
            if (r.status !== 200) throw new Error(`server group: ${r.status} ${JSON.stringify(r.body)}`);
            return r.body.server_group.id;
          });
          groups.set(key, g);
        }
        return g;
      },
    };
  });
  after(async () => {
    await cloud?.stop();
    await volume?.close();
  });

  /** Does the server action exist? (An unknown action is a 400 before the server is looked up.) */
  const hasAction = async (name: string): Promise<boolean> => {
    let known = actions.get(name);
    if (known === undefined) {
      const r = await env.admin.post(`/servers/${randomUUID()}/action`, { [name]: {} });
      known = !JSON.stringify(r.body).includes('There is no such action');
      actions.set(name, known);
    }
    return known;
  };

  for (const c of CASES) {
    describe(`${c.resource}/${c.file}`, () => {
      for (const v of sampleVersions(c.resource, c.file)) {
        const skip = c.skip?.[v];
        it(`@${v}`, { skip }, async (t) => {
          if (c.needsAction && !(await hasAction(c.needsAction))) {
            t.skip(`the ${c.needsAction} action does not exist yet`);
            return;
          }
          let actual: unknown;
          try {
            actual = await c.run(env, v);
          } catch (e) {
            if (!(e instanceof NotYet)) throw e;
            t.skip(`not implemented yet: ${e.message}`);
            return;
          }
          const diff = diffFields(loadSample(c.resource, c.file, v), actual, { opaque: [...OPAQUE, ...(c.opaque ?? [])], pending: c.pending });
          const problems = [
            ...diff.missing.map((p) => `missing (in Nova's sample only): ${p}`),
            ...diff.extra.map((p) => `extra (in ours only): ${p}`),
            ...diff.nowPresent.map((p) => `pending but now present (remove the pending entry): ${p}`),
          ];
          if (problems.length) assert.fail(`${c.resource}/${c.file} at ${v}:\n  ${problems.join('\n  ')}\nours: ${JSON.stringify(actual)}`);
        });
      }
    });
  }

  it('every copied sample is covered by a case or said why not', () => {
    const covered = new Set(CASES.map((c) => `${c.resource}/${c.file}`));
    const unaccounted = allSamples().filter((s) => {
      const [file = ''] = s.split('@');
      return !covered.has(file) && !Object.hasOwn(NOT_COVERED, file);
    });
    if (unaccounted.length) assert.fail(`samples without a case or a reason:\n  ${unaccounted.join('\n  ')}`);
  });
});
