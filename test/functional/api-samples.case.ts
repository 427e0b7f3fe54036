/** What a sample case is and what it may use: the cloud, an admin and a member client, shared fixtures. */

import type { Pending } from '../support/api-samples.ts';
import type { ApiClient, Cloud } from '../support/cloud.ts';
import type { VolumeHarness } from './volume-harness.ts';

export interface SampleEnv {
  readonly cloud: Cloud;
  /** The volume service (in process, its in-memory driver) nova reaches through [cinder] endpoint_template. */
  readonly volume: VolumeHarness;
  /** An administrator (project admin). */
  readonly admin: ApiClient;
  /** A project member (alice in projA). */
  readonly member: ApiClient;
  /** The compute host the cloud runs (its node has the same name). */
  readonly host: string;
  /** A server group of the client's project, for booting into (created once per client and microversion). */
  serverGroup(c: ApiClient): Promise<string>;
}

export interface SampleCase {
  /** The sample's directory under doc/api_samples (servers, os-hypervisors…). */
  readonly resource: string;
  /** The sample's file name (server-get-resp.json). */
  readonly file: string;
  /** Microversions whose sample this project cannot answer yet, with the reason. */
  readonly skip?: Readonly<Record<string, string>>;
  /** Dictionaries keyed by data (their keys are not fields), beyond the default ones. */
  readonly opaque?: readonly string[];
  /** Parts of the sample that need a feature this project lacks. */
  readonly pending?: readonly Pending[];
  /** A server action the case needs (skipped, saying so, while the action does not exist). */
  readonly needsAction?: string;
  /** Make Nova's request at microversion `v`; the response body. */
  run(env: SampleEnv, v: string): Promise<unknown>;
}

/** Thrown by a case whose request is answered as "not implemented yet": the test is skipped with the reason. */
export class NotYet extends Error {}

/** The body of a response with the expected status; a 501, or a 400 saying "not supported", is NotYet. */
export async function body(p: Promise<{ status: number; body: unknown }>, expected = 200): Promise<unknown> {
  const r = await p;
  const text = JSON.stringify(r.body);
  if (r.status === 501 || (r.status === 400 && /not supported/.test(text))) throw new NotYet(`answered ${r.status}: ${text}`);
  if (r.status !== expected) throw new Error(`expected ${expected}, got ${r.status}: ${text}`);
  return r.body;
}

/** a >= b for microversions ('2.10' > '2.9'). */
export function atLeast(v: string, min: string): boolean {
  const [a = 0, b = 0] = v.split('.').map(Number);
  const [c = 0, d = 0] = min.split('.').map(Number);
  return a !== c ? a > c : b >= d;
}
