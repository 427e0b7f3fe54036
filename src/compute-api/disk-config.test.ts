import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Invalid } from '../exception/base.ts';
import { autoDiskConfigFor } from './disk-config.ts';

it("takes the requested disk config, else the image's auto_disk_config; an image that disables it refuses AUTO", () => {
  const image = (auto_disk_config?: string): { id: string; properties: Record<string, string> } => ({
    id: 'img',
    properties: auto_disk_config === undefined ? {} : { auto_disk_config },
  });
  assert.equal(autoDiskConfigFor(true, image()), true);
  assert.equal(autoDiskConfigFor(false, image('True')), false);
  assert.equal(autoDiskConfigFor(null, image()), false);
  assert.equal(autoDiskConfigFor(null, image('True')), true);
  assert.equal(autoDiskConfigFor(null, image(' yes ')), true);
  assert.equal(autoDiskConfigFor(null, image('disabled')), false);
  assert.equal(autoDiskConfigFor(false, image('Disabled')), false);
  assert.throws(
    () => autoDiskConfigFor(true, image(' DISABLED')),
    (e: unknown) => e instanceof Invalid && e.message === 'Requested image img has automatic disk resize disabled.',
  );
});
