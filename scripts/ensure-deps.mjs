#!/usr/bin/env node
// Installs the npm dependencies when they are missing or older than
// package-lock.json, so `npm start` and `npm test` work from a fresh clone.
// Uses only Node built-ins (it runs before anything is installed).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const marker = path.join(root, 'node_modules', '.package-lock.json');
const lock = path.join(root, 'package-lock.json');

function stale() {
  try {
    return fs.statSync(marker).mtimeMs + 2000 < fs.statSync(lock).mtimeMs;
  } catch {
    return true;
  }
}

if (stale()) {
  console.error('Installing dependencies (npm ci; better-sqlite3 is compiled here, about a minute)…');
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
