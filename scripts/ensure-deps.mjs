#!/usr/bin/env node
// Installs the npm dependencies when they are missing or older than
// package-lock.json, so `npm start` and `npm test` work from a fresh clone.
// Uses only Node built-ins (it runs before anything is installed). Several
// runs at once (two `npm test` in one checkout) take turns: one installs,
// the others wait for it and then find the dependencies current.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const marker = path.join(root, 'node_modules', '.package-lock.json');
const lock = path.join(root, 'package-lock.json');
const installing = path.join(root, '.npm-installing');

function stale() {
  try {
    return fs.statSync(marker).mtimeMs + 2000 < fs.statSync(lock).mtimeMs;
  } catch {
    return true;
  }
}

const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** Take the install lock (a directory: mkdir is atomic); a lock older than 10 minutes is a crashed run's and is taken over. */
function takeLock() {
  for (;;) {
    try {
      fs.mkdirSync(installing);
      return;
    } catch {
      try {
        if (Date.now() - fs.statSync(installing).mtimeMs > 600_000) fs.rmSync(installing, { recursive: true, force: true });
      } catch {
        // released meanwhile
      }
      sleep(1000);
    }
  }
}

if (stale()) {
  takeLock();
  try {
    if (stale()) {
      console.error('Installing dependencies (npm ci; better-sqlite3 is compiled here, about a minute)…');
      const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
      if (r.status !== 0) process.exit(r.status ?? 1);
    }
  } finally {
    fs.rmSync(installing, { recursive: true, force: true });
  }
}
