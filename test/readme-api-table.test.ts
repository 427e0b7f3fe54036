import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import { apiTable, README, readmeWithTable } from '../scripts/api-table.ts';

/** README.md's table of API resources and actions is what the route table says (regenerate with `npm run docs`). */
describe("README's API table", () => {
  it('is current with the route table', () => {
    const readme = fs.readFileSync(README, 'utf8');
    assert.ok(readme.includes(apiTable()), 'README.md: the API table is stale or missing; run `npm run docs`');
    assert.equal(readmeWithTable(readme), readme);
  });
});
