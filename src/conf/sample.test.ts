import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { it } from 'node:test';
import { projectRoot } from './paths.ts';
import { sampleConfig } from './show.ts';

it('doc/nova.conf.sample is generated from the option declarations (run npm run docs after changing options)', () => {
  const committed = fs.readFileSync(path.join(projectRoot, 'doc', 'nova.conf.sample'), 'utf8');
  assert.equal(committed, sampleConfig());
});
