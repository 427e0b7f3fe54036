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

export async function run(name) {
  if (distIsFresh()) {
    await import(pathToFileURL(path.join(root, 'dist', 'cmd', `${name}.js`)).href);
    return;
  }
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(path.join(root, 'src', 'cmd', `${name}.ts`)).href);
}
