#!/usr/bin/env node
// Writes doc/nova.conf.sample from the option declarations (src/conf/*.ts), the one place options are documented.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const r = spawnSync(process.execPath, [path.join(root, 'bin', 'nova-manage.js'), 'config', 'sample'], { encoding: 'utf8', env: { ...process.env, NOVA_LOG_LEVEL: 'silent' } });
if (r.status !== 0) {
  process.stderr.write(r.stderr);
  process.exit(1);
}
fs.writeFileSync(path.join(root, 'doc', 'nova.conf.sample'), r.stdout);
console.log('wrote doc/nova.conf.sample');
