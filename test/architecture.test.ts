import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from './support/procs.ts';

/** The import graph of src/, as Nova's hacking checks guard its layering. */
const SRC = path.join(ROOT, 'src');
const IMPORT = /^\s*(?:import|export)\s+(type\s+)?(?:[^'"]*?\sfrom\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm;

interface Edge {
  to: string;
  typeOnly: boolean;
}

function importsOf(file: string): Edge[] {
  const text = fs.readFileSync(file, 'utf8');
  const out: Edge[] = [];
  for (const m of text.matchAll(IMPORT)) {
    const spec = (m[2] ?? m[3]) as string;
    const typeOnly = Boolean(m[1]);
    out.push({ to: spec.startsWith('.') ? path.resolve(path.dirname(file), spec) : spec, typeOnly });
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
    const f = stack.pop() as string;
    if (seen.has(f)) continue;
    seen.add(f);
    if (!f.startsWith('/')) continue;
    for (const e of importsOf(f)) if (!e.typeOnly) stack.push(e.to);
  }
  return seen;
}

const rel = (f: string) => path.relative(SRC, f);

describe('architecture', () => {
  it('nova-compute never loads database code or drivers', () => {
    const reach = [...closure(path.join(SRC, 'cmd', 'compute.ts'))];
    const offenders = reach.filter((f) => f.startsWith(path.join(SRC, 'db') + path.sep) || ['kysely', 'mysql2', 'better-sqlite3'].includes(f));
    assert.deepEqual(
      offenders.map((f) => (f.startsWith('/') ? rel(f) : f)),
      [],
    );
  });

  it('virt/ never imports db/, api/ or services; no driver imports another driver', () => {
    for (const f of allFiles(path.join(SRC, 'virt'))) {
      for (const e of importsOf(f)) {
        if (!e.to.startsWith('/')) continue;
        const target = rel(e.to);
        assert.ok(!/^(db|api|compute|conductor|scheduler|service)\//.test(target), `${rel(f)} imports ${target}`);
        const m = /^virt\/([^/]+)\//.exec(rel(f));
        const t = /^virt\/([^/]+)\//.exec(target);
        if (m && t && m[1] !== t[1]) assert.fail(`driver ${m[1]} imports driver ${t[1]} (${rel(f)} → ${target})`);
      }
    }
  });

  it('objects/ and db/ never import services, the API or drivers', () => {
    for (const dir of ['objects', 'db']) {
      for (const f of allFiles(path.join(SRC, dir))) {
        for (const e of importsOf(f)) {
          if (!e.to.startsWith('/')) continue;
          assert.ok(!/^(api|compute|conductor|scheduler|service|virt|cmd)\//.test(rel(e.to)), `${rel(f)} imports ${rel(e.to)}`);
        }
      }
    }
  });

  it('the driver contract file has no implementation', () => {
    const text = fs.readFileSync(path.join(SRC, 'virt', 'driver.ts'), 'utf8');
    assert.doesNotMatch(text, /^\s*(export\s+)?(class|function|const|let)\s/m);
  });

  it('rpcapi modules only send messages: they import no manager', () => {
    for (const f of allFiles(SRC).filter((x) => x.endsWith('rpcapi.ts'))) {
      for (const e of importsOf(f)) assert.doesNotMatch(e.to, /manager(\.ts)?$/, `${rel(f)} imports ${e.to}`);
    }
  });

  it('no source file is over 800 lines', () => {
    const big = allFiles(SRC).filter((f) => fs.readFileSync(f, 'utf8').split('\n').length > 800);
    assert.deepEqual(big.map(rel), []);
  });
});
