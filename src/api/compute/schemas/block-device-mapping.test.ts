import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseVersion } from '../../../http/microversion.ts';
import { bdmSchemaFor } from './block-device-mapping.ts';

describe('block_device_mapping_v2 schema per microversion', () => {
  it('is one schema object per variant, so its validator is compiled once (not on every boot)', () => {
    assert.equal(bdmSchemaFor(parseVersion('2.1')), bdmSchemaFor(parseVersion('2.20')));
    assert.equal(bdmSchemaFor(parseVersion('2.42')), bdmSchemaFor(parseVersion('2.66')));
    assert.equal(bdmSchemaFor(parseVersion('2.67')), bdmSchemaFor(parseVersion('2.93')));
    assert.notEqual(bdmSchemaFor(parseVersion('2.1')), bdmSchemaFor(parseVersion('2.42')));
    assert.notEqual(bdmSchemaFor(parseVersion('2.42')), bdmSchemaFor(parseVersion('2.67')));
  });
});
