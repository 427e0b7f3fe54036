import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { resolveUnder } from './static.ts';

describe('static files of the console web clients', () => {
  it('resolve only to regular files inside the root', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nova-static-'));
    fs.mkdirSync(path.join(dir, 'root', 'core'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'root', 'core', 'rfb.js'), '');
    fs.writeFileSync(path.join(dir, 'secret'), '');
    fs.symlinkSync(path.join(dir, 'secret'), path.join(dir, 'root', 'link'));
    const root = path.join(dir, 'root');
    try {
      assert.equal(resolveUnder(root, '/core/rfb.js'), fs.realpathSync(path.join(root, 'core', 'rfb.js')));
      for (const p of ['/../secret', '/core/../../secret', '/%2e%2e/secret', '/core%2f..%2f..%2fsecret', '/link', '/core', '/', '/core/rfb.js%00', '/%E0%A4%A']) {
        assert.equal(resolveUnder(root, p), null, p);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
