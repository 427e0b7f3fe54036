/**
 * Nova's documented API samples (test/fixtures/api-samples, copied from
 * doc/api_samples of the nova repository, see the README there) and the
 * comparison of a body's field set with a sample's: the key paths,
 * recursively, not the values.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const SAMPLES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'api-samples');

const versionOf = (dir: string): string => (dir.startsWith('v') ? dir.slice(1) : '2.1');
const versionKey = (v: string): number => {
  const [maj = '0', min = '0'] = v.split('.');
  return Number(maj) * 1000 + Number(min);
};

/** Compare two microversions ('2.9' < '2.10'). */
export const cmpVersion = (a: string, b: string): number => versionKey(a) - versionKey(b);

/** The microversions at which `<resource>/[vX.Y/]<file>` has a sample, oldest first ('2.1' for the unversioned one). */
export function sampleVersions(resource: string, file: string): string[] {
  const base = path.join(SAMPLES_DIR, resource);
  const dirs = ['', ...fs.readdirSync(base).filter((d) => /^v2\.\d+$/.test(d))];
  return dirs
    .filter((d) => fs.existsSync(path.join(base, d, file)))
    .map((d) => (d === '' ? '2.1' : versionOf(d)))
    .sort(cmpVersion);
}

/** The path of the sample of `file` at `version` (exactly that version). */
export function samplePath(resource: string, file: string, version: string): string {
  return path.join(SAMPLES_DIR, resource, version === '2.1' ? '' : `v${version}`, file);
}

export function loadSample(resource: string, file: string, version: string): unknown {
  return JSON.parse(fs.readFileSync(samplePath(resource, file, version), 'utf8'));
}

/** Every sample file, as `<resource>/<file>@<version>`. */
export function allSamples(): string[] {
  const out: string[] = [];
  for (const resource of fs.readdirSync(SAMPLES_DIR)) {
    const base = path.join(SAMPLES_DIR, resource);
    if (!fs.statSync(base).isDirectory()) continue;
    for (const entry of fs.readdirSync(base)) {
      if (entry.endsWith('.json')) out.push(`${resource}/${entry}@2.1`);
      else if (/^v2\.\d+$/.test(entry)) for (const f of fs.readdirSync(path.join(base, entry))) out.push(`${resource}/${f}@${versionOf(entry)}`);
    }
  }
  return out.sort();
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The key paths of a body: `server.flavor.links[].href`. Array items are
 * merged under `[]`. Below an `opaque` path (a dictionary keyed by data,
 * such as `metadata`) only the path itself counts. A path matches an opaque
 * entry when it equals it or ends with `.` + it.
 */
export function keyPaths(body: unknown, opaque: readonly string[] = []): Set<string> {
  const out = new Set<string>();
  const isOpaque = (p: string) => opaque.some((o) => p === o || p.endsWith(`.${o}`) || p.endsWith(`[].${o}`));
  const walk = (v: unknown, prefix: string) => {
    if (Array.isArray(v)) {
      for (const item of v) walk(item, `${prefix}[]`);
    } else if (isObject(v)) {
      for (const [k, child] of Object.entries(v)) {
        const p = prefix ? `${prefix}.${k}` : k;
        out.add(p);
        if (!isOpaque(p)) walk(child, p);
      }
    }
  };
  walk(body, '');
  return out;
}

/** A part of a sample this project cannot produce yet, and why. */
export interface Pending {
  /** A key path; it and everything below it are left out of the comparison. */
  readonly path: string;
  readonly reason: string;
}

export interface FieldDiff {
  /** In the sample, not in our body. */
  readonly missing: string[];
  /** In our body, not in the sample. */
  readonly extra: string[];
  /** Pending paths we now produce: the pending entry should go. */
  readonly nowPresent: string[];
}

const under = (p: string, root: string) => p === root || p.startsWith(`${root}.`) || p.startsWith(`${root}[]`);

/**
 * Compare field sets. Paths below an array item are compared only when both
 * sides have items there; a sample's items that ours lacks must be declared
 * pending (or the array filled by the test's setup).
 */
export function diffFields(sample: unknown, actual: unknown, opts: { opaque?: readonly string[]; pending?: readonly Pending[] } = {}): FieldDiff {
  const want = keyPaths(sample, opts.opaque);
  const got = keyPaths(actual, opts.opaque);
  const pending = opts.pending ?? [];
  const isPending = (p: string) => pending.some((x) => under(p, x.path));
  const missing = [...want].filter((p) => !got.has(p) && !isPending(p));
  const extra = [...got].filter((p) => !want.has(p) && !isPending(p));
  // A pending path (e.g. `addresses.private`, `security_groups`) that our body now has.
  const nowPresent = pending.filter((x) => [...want].some((p) => under(p, x.path)) && [...got].some((p) => under(p, x.path))).map((x) => x.path);
  return { missing: missing.sort(), extra: extra.sort(), nowPresent };
}
