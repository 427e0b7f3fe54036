/**
 * os-getConsoleOutput: exactly the last `length` lines of the console log
 * (fewer lines than asked: all of them; 0: none; -1 or null: all), the
 * schema's checks with Nova's messages, 409 while the server has no host;
 * and the QEMU driver's log reader on logs with and without a final newline
 * and shorter than asked.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readConsoleLog } from '../../src/virt/qemu/console.ts';
import { ApiClient, type Cloud, startCloud } from '../support/cloud.ts';

type Fault = Record<string, { code: number; message: string }>;
const message = (body: unknown) => Object.values(body as Fault)[0]?.message;
const lines = (text: string) => text.split('\n').filter((l, i, all) => !(l === '' && i === all.length - 1));

describe('console output', () => {
  let cloud: Cloud;
  let api: ApiClient;
  let id: string;
  before(async () => {
    cloud = await startCloud();
    api = new ApiClient(cloud.url);
    id = await api.boot('talkative');
    await api.waitFor(id, ['ACTIVE']);
    // A reboot adds a line: the fake console then has three.
    assert.equal((await api.post(`/servers/${id}/action`, { reboot: { type: 'SOFT' } })).status, 202);
    await api.waitFor(id, ['ACTIVE']);
  });
  after(() => cloud.stop());

  const output = async (length?: unknown) => {
    const r = await api.post<{ output: string }>(`/servers/${id}/action`, { 'os-getConsoleOutput': length === undefined ? {} : { length } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body.output;
  };

  it('answers exactly the last N lines, all of them when there are fewer, none for 0', async () => {
    const all = lines(await output());
    assert.equal(all.length, 3);
    assert.deepEqual(lines(await output(1)), all.slice(-1));
    assert.deepEqual(lines(await output(2)), all.slice(-2));
    assert.deepEqual(lines(await output('2')), all.slice(-2));
    assert.deepEqual(lines(await output(3)), all);
    assert.deepEqual(lines(await output(100)), all);
    assert.deepEqual(lines(await output(-1)), all);
    assert.deepEqual(lines(await output(null)), all);
    assert.equal(await output(0), '');
  });

  it("checks length as Nova's schema does (an integer or digits, at least -1)", async () => {
    const bad = async (body: unknown, text: string) => {
      const r = await api.post(`/servers/${id}/action`, body);
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.equal(message(r.body), text);
    };
    await bad({ 'os-getConsoleOutput': { length: -2 } }, 'Invalid input for field/attribute length. Value: -2. -2 is less than the minimum of -1');
    await bad({ 'os-getConsoleOutput': { length: '-2' } }, 'Invalid input for field/attribute length. Value: -2. -2 is less than the minimum of -1');
    await bad({ 'os-getConsoleOutput': { length: 'ten' } }, "Invalid input for field/attribute length. Value: ten. 'ten' does not match '^-?[0-9]+$'");
    await bad(
      { 'os-getConsoleOutput': { length: 1, tail: true } },
      "Invalid input for field/attribute os-getConsoleOutput. Value: {'length': 1, 'tail': True}. Additional properties are not allowed ('tail' was unexpected)",
    );
  });

  it('is a 409 while the server has no host', async () => {
    // A flavor no host fits: the build fails without ever getting a host.
    const f = await api.post('/flavors', { flavor: { name: 'enormous', ram: 100_000_000, vcpus: 1, disk: 1, id: 'enormous' } });
    assert.equal(f.status, 200, JSON.stringify(f.body));
    const hostless = await api.boot('hostless', { flavorRef: 'enormous' });
    await api.waitFor(hostless, ['ERROR']);
    const r = await api.post(`/servers/${hostless}/action`, { 'os-getConsoleOutput': {} });
    assert.equal(r.status, 409, JSON.stringify(r.body));
    assert.equal(message(r.body), `Instance ${hostless} is not ready`);
  });
});

describe("the QEMU driver's console log reader", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'console-log-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const log = (name: string, text: string) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
  };

  it('reads the last N lines of a log with or without a final newline, and all of a shorter one', () => {
    for (const [name, text] of [
      ['newline', 'one\ntwo\nthree\n'],
      ['no-newline', 'one\ntwo\nthree'],
    ] as const) {
      const file = log(name, text);
      assert.deepEqual(lines(readConsoleLog(file, 1 << 20, 2)), ['two', 'three'], name);
      assert.deepEqual(lines(readConsoleLog(file, 1 << 20, 1)), ['three'], name);
      assert.deepEqual(lines(readConsoleLog(file, 1 << 20, 10)), ['one', 'two', 'three'], name);
      assert.deepEqual(lines(readConsoleLog(file, 1 << 20)), ['one', 'two', 'three'], name);
      assert.equal(readConsoleLog(file, 1 << 20, 0), '', name);
    }
    assert.deepEqual(lines(readConsoleLog(log('crlf', 'a\r\nb\r\n'), 1 << 20, 5)), ['a', 'b']);
  });
});
