#!/usr/bin/env node
// Runs the test suite with node:test under tsx.
//   npm test                 unit, functional, conformance and end-to-end tests
//   npm test -- <pattern>    only files whose path contains <pattern>
// Tests that need MariaDB, RabbitMQ or QEMU skip (saying why) when those are
// missing, unless NOVA_TEST_REQUIRE_BACKENDS=1 (CI), which turns a skip into
// a failure.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);

function find(dir) {
  if (!fs.existsSync(dir)) return [];
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...find(p));
    else if (e.name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const patterns = process.argv.slice(2).filter((a) => !a.startsWith('--'));
let files = [...find('src'), ...find('test')].sort();
if (patterns.length) files = files.filter((f) => patterns.some((p) => f.includes(p)));
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
const concurrency = process.env.NOVA_TEST_CONCURRENCY ?? '2';
const args = ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files];
const r = spawnSync(process.execPath, args, { stdio: 'inherit', env: { ...process.env, NOVA_LOG_LEVEL: process.env.NOVA_LOG_LEVEL ?? 'silent' } });
process.exit(r.status ?? 1);
