// Runs a nova command from dist/ when a build newer than every source file
// exists (npm run build), otherwise straight from src/ through tsx.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function newestMtime(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

function distIsFresh() {
  if (process.env.NOVA_FROM_SOURCE === '1') return false;
  try {
    const stamp = fs.statSync(path.join(root, 'dist', 'BUILD_STAMP')).mtimeMs;
    return stamp >= newestMtime(path.join(root, 'src'));
  } catch {
    return false;
  }
}

/** NOVA_CPU_PROFILE_DIR=<dir>: write a V8 CPU profile of this process there when it exits (for profiling daemons). */
async function maybeProfile(name) {
  const dir = process.env.NOVA_CPU_PROFILE_DIR;
  if (!dir) return;
  const inspector = await import('node:inspector');
  const session = new inspector.Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.start');
  process.on('exit', () => {
    session.post('Profiler.stop', (err, result) => {
      if (err) return;
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, `${name}-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}

export async function run(name) {
  await maybeProfile(name);
  if (distIsFresh()) {
    await import(pathToFileURL(path.join(root, 'dist', 'cmd', `${name}.js`)).href);
    return;
  }
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(path.join(root, 'src', 'cmd', `${name}.ts`)).href);
}
