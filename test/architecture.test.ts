import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from './support/procs.ts';

/**
 * The import graph of src/, as Nova's hacking checks guard its layering.
 * Every import counts: relative ones name a file, bare ones a package (a
 * `kysely` import is a database import wherever it stands).
 */
const SRC = path.join(ROOT, 'src');
const IMPORT = /^\s*(?:import|export)\s+(type\s+)?(?:[^'"]*?\sfrom\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm;

interface Edge {
  /** An absolute file path, or a package name (its first segment, or two for @scope/name). */
  readonly to: string;
  readonly typeOnly: boolean;
}

function packageOf(spec: string): string {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? spec);
}

function importsOf(file: string): Edge[] {
  const text = fs.readFileSync(file, 'utf8');
  const out: Edge[] = [];
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[2] ?? m[3];
    if (spec === undefined) continue;
    // `import { type A, type B } from …` is erased as a whole too.
    const braces = /^\s*import\s+\{([^}]*)\}/.exec(m[0]);
    const allTypes = braces?.[1]?.split(',').every((s) => s.trim() === '' || s.trim().startsWith('type ')) ?? false;
    out.push({ to: spec.startsWith('.') ? path.resolve(path.dirname(file), spec) : packageOf(spec), typeOnly: Boolean(m[1]) || allTypes });
  }
  return out;
}

function allFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? allFiles(p) : p.endsWith('.ts') && !p.endsWith('.test.ts') ? [p] : [];
  });
}

/** Every module (file or package) reachable at run time from `entry` (type-only imports are erased). */
function closure(entry: string): Set<string> {
  const seen = new Set<string>();
  const stack = [entry];
  while (stack.length) {
    const f = stack.pop();
    if (f === undefined || seen.has(f)) continue;
    seen.add(f);
    if (!f.startsWith('/')) continue;
    for (const e of importsOf(f)) if (!e.typeOnly) stack.push(e.to);
  }
  return seen;
}

const rel = (f: string) => (f.startsWith('/') ? path.relative(SRC, f) : f);
const DATABASE_PACKAGES = ['kysely', 'mysql2', 'better-sqlite3'];

/** The imports of every file under `dirs` that match `forbidden` (relative paths or package names), as "file → target". */
function offenders(dirs: readonly string[], forbidden: (target: string, edge: Edge) => boolean, opts: { except?: (file: string) => boolean } = {}): string[] {
  const out: string[] = [];
  for (const dir of dirs) {
    for (const f of allFiles(path.join(SRC, dir))) {
      if (opts.except?.(rel(f))) continue;
      for (const e of importsOf(f)) if (forbidden(rel(e.to), e)) out.push(`${rel(f)} → ${rel(e.to)}`);
    }
  }
  return out;
}

const under =
  (...dirs: string[]) =>
  (target: string) =>
    dirs.some((d) => target.startsWith(`${d}/`));

describe('architecture', () => {
  it("nova-compute's (and nova-compute-sim's) import closure holds no database, REST server, identity, image, network or façade code", () => {
    const reach = ['compute.ts', 'compute-sim.ts'].flatMap((f) => [...closure(path.join(SRC, 'cmd', f))].map(rel));
    const bad = reach.filter((f) => under('db', 'api', 'http', 'identity', 'image', 'network', 'compute-api', 'console')(f) || [...DATABASE_PACKAGES, 'fastify'].includes(f));
    assert.deepEqual(bad, []);
  });

  it("nova-network-agent's import closure holds no database, REST server or other service code; of network/ only its RPC API", () => {
    const reach = [...closure(path.join(SRC, 'cmd', 'network-agent.ts'))].map(rel);
    const bad = reach.filter(
      (f) =>
        // db/time.ts: the datetime format of the local service registry's record, no database code.
        (under('db', 'api', 'http', 'identity', 'image', 'compute', 'compute-api', 'conductor', 'scheduler', 'virt', 'console')(f) && f !== 'db/time.ts') ||
        (f.startsWith('network/') && !['network/rpc-types.ts', 'network/rpcapi.ts'].includes(f)) ||
        [...DATABASE_PACKAGES, 'fastify'].includes(f),
    );
    assert.deepEqual(bad, []);
  });

  it('compute/ (the node side) imports no database code or package, not even its types', () => {
    assert.deepEqual(
      offenders(['compute'], (t) => under('db', 'compute-api', 'api', 'http')(t) || DATABASE_PACKAGES.includes(t)),
      [],
    );
  });

  it('virt/ imports no database, API, service, client or other-driver code, and no database or HTTP package', () => {
    const bad = offenders(
      ['virt'],
      (t) =>
        under('db', 'api', 'http', 'compute', 'compute-api', 'conductor', 'scheduler', 'service', 'identity', 'image', 'network', 'clients', 'cmd')(t) ||
        [...DATABASE_PACKAGES, 'fastify', 'amqplib'].includes(t),
    );
    for (const f of allFiles(path.join(SRC, 'virt'))) {
      const own = /^virt\/([^/]+)\//.exec(rel(f))?.[1];
      for (const e of importsOf(f)) {
        const other = /^virt\/([^/]+)\//.exec(rel(e.to))?.[1];
        if (own && other && own !== other) bad.push(`${rel(f)} → ${rel(e.to)} (driver ${own} imports driver ${other})`);
      }
    }
    assert.deepEqual(bad, []);
  });

  it('objects/ and db/ import no services, API, HTTP, client or driver code', () => {
    assert.deepEqual(
      offenders(
        ['objects', 'db'],
        under('api', 'http', 'compute', 'compute-api', 'conductor', 'scheduler', 'service', 'virt', 'cmd', 'clients', 'identity', 'image', 'network', 'console'),
      ),
      [],
    );
  });

  it('database packages are imported only by db/, identity/db/, image/db/, network/db/ and volume/db/', () => {
    assert.deepEqual(
      offenders(['.'], (t) => DATABASE_PACKAGES.includes(t), { except: (f) => /^(db|identity\/db|image\/db|network\/db|volume\/db)\//.test(f) }),
      [],
    );
  });

  it('Fastify is loaded (a value import) only by the HTTP kernel', () => {
    assert.deepEqual(
      offenders(['.'], (t, e) => t === 'fastify' && !e.typeOnly, { except: (f) => f.startsWith('http/') }),
      [],
    );
  });

  it('the HTTP kernel imports no service: no API, identity, image, compute, database or client code', () => {
    assert.deepEqual(
      offenders(['http'], under('api', 'identity', 'image', 'network', 'compute', 'compute-api', 'conductor', 'scheduler', 'db', 'clients', 'virt', 'cmd', 'console')),
      [],
    );
  });

  it('identity/, image/, network/ and volume/ hold servers only: no clients, no Compute API or node code, not each other', () => {
    assert.deepEqual(
      [
        ...offenders(['identity'], under('image', 'network', 'clients', 'api', 'compute', 'compute-api', 'conductor', 'scheduler', 'virt', 'console', 'cmd')),
        ...offenders(['image'], under('identity', 'network', 'clients', 'api', 'compute', 'compute-api', 'conductor', 'scheduler', 'virt', 'console', 'cmd')),
        ...offenders(['network'], under('identity', 'image', 'clients', 'api', 'compute', 'compute-api', 'conductor', 'scheduler', 'virt', 'console', 'cmd')),
        ...offenders(['volume'], under('identity', 'image', 'network', 'clients', 'api', 'compute', 'compute-api', 'conductor', 'scheduler', 'virt', 'console', 'cmd')),
      ],
      [],
    );
  });

  it('clients/ import no server code: no API, identity, image, network, façade or database code, no Fastify', () => {
    assert.deepEqual(
      offenders(['clients'], (t) => under('api', 'identity', 'image', 'network', 'compute-api', 'db', 'cmd', 'console')(t) || [...DATABASE_PACKAGES, 'fastify'].includes(t)),
      [],
    );
  });

  it('console/ (the proxies) imports no database, API, façade, identity or image code', () => {
    assert.deepEqual(
      offenders(['console'], (t) => under('db', 'api', 'compute-api', 'identity', 'image', 'network', 'clients', 'cmd')(t) || DATABASE_PACKAGES.includes(t)),
      [],
    );
  });

  it('metadata/ (the builder nova-api-metadata and the config drive share) imports only objects/, util/ and node built-ins', () => {
    assert.deepEqual(
      offenders(['metadata'], (t) => !(t.startsWith('metadata/') || t.startsWith('objects/') || t.startsWith('util/') || t.startsWith('node:'))),
      [],
    );
  });

  it('the file volume driver imports only the volume driver contract, src/qemu/, exceptions, conf and log types and node built-ins', () => {
    assert.deepEqual(
      offenders(
        ['volume/file-driver'],
        (t, e) =>
          !(
            t.startsWith('volume/file-driver/') ||
            t === 'volume/driver.ts' ||
            t.startsWith('qemu/') ||
            t.startsWith('exception/') ||
            t.startsWith('node:') ||
            (e.typeOnly && ['conf/loader.ts', 'log.ts'].includes(t))
          ),
      ),
      [],
    );
  });

  it('src/qemu/ (shared by the qemu driver and the volume host) imports only exceptions and node built-ins', () => {
    assert.deepEqual(
      offenders(['qemu'], (t) => !(t.startsWith('qemu/') || t.startsWith('exception/') || t.startsWith('node:'))),
      [],
    );
  });

  it('cli/ (the nova client) imports nothing of the server tree', () => {
    const outside = allFiles(path.join(SRC, 'cli')).flatMap((f) =>
      importsOf(f)
        .filter((e) => e.to.startsWith(SRC) && !e.to.startsWith(path.join(SRC, 'cli') + path.sep))
        .map((e) => `${rel(f)} → ${rel(e.to)}`),
    );
    assert.deepEqual(outside, []);
  });

  it('the driver contract file declares types only', () => {
    const text = fs.readFileSync(path.join(SRC, 'virt', 'driver.ts'), 'utf8');
    assert.doesNotMatch(text, /^\s*(export\s+)?(class|function|const|let)\s/m);
  });

  it('rpcapi modules import no manager', () => {
    assert.deepEqual(
      offenders(['.'], (t) => /(^|\/)manager(\.ts)?$/.test(t), { except: (f) => !f.endsWith('rpcapi.ts') }),
      [],
    );
  });

  it('no source file is over 400 lines', () => {
    const big = allFiles(SRC)
      .map((f) => [rel(f), fs.readFileSync(f, 'utf8').split('\n').length] as const)
      .filter(([, n]) => n > 400);
    assert.deepEqual(big, []);
  });
});
