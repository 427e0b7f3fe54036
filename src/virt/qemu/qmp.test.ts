import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { QmpError } from './errors.ts';
import { QmpClient } from './qmp.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nova-qmp-'));
const servers: net.Server[] = [];
const sockets = new Set<net.Socket>();
after(() => {
  for (const s of sockets) s.destroy();
  for (const s of servers) s.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

type Handler = (cmd: { execute: string; arguments?: Record<string, unknown>; id?: string }, send: (msg: unknown) => void) => void;

/** A fake QEMU monitor: greets, accepts qmp_capabilities, hands other commands to `handler`. */
function fakeQemu(name: string, handler: Handler, greet = true): Promise<{ path: string; server: net.Server }> {
  const sock = path.join(dir, name);
  const server = net.createServer((c) => {
    sockets.add(c);
    const send = (msg: unknown) => c.write(`${JSON.stringify(msg)}\r\n`);
    if (greet) send({ QMP: { version: { qemu: { major: 7, minor: 2, micro: 0 } }, capabilities: ['oob'] } });
    let buf = '';
    c.on('data', (d) => {
      buf += d.toString();
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const cmd = JSON.parse(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
        if (cmd.execute === 'qmp_capabilities') send({ return: {}, id: cmd.id });
        else handler(cmd, send);
      }
    });
    c.on('error', () => {});
  });
  servers.push(server);
  return new Promise((resolve) => server.listen(sock, () => resolve({ path: sock, server })));
}

describe('QmpClient', () => {
  it('negotiates, runs commands by id and maps errors to QmpError with the QEMU class', async () => {
    const { path: p, server } = await fakeQemu('a.sock', (cmd, send) => {
      if (cmd.execute === 'query-status') send({ return: { status: 'running', running: true }, id: cmd.id });
      else if (cmd.execute === 'echo') setTimeout(() => send({ return: cmd.arguments, id: cmd.id }), 20);
      else send({ error: { class: 'CommandNotFound', desc: `The command ${cmd.execute} has not been found` }, id: cmd.id });
    });
    const qmp = await QmpClient.connect(p, 2000);
    assert.equal(await qmp.queryStatus(), 'running');
    const [a, b] = await Promise.all([qmp.execute('echo', { n: 1 }), qmp.execute('echo', { n: 2 })]);
    assert.deepEqual([a, b], [{ n: 1 }, { n: 2 }]);
    await assert.rejects(qmp.execute('bogus'), (e: unknown) => e instanceof QmpError && e.qmpClass === 'CommandNotFound' && /bogus/.test(e.message));
    qmp.close();
    await assert.rejects(qmp.execute('query-status'), QmpError);
    server.close();
  });

  it('delivers events and waits for one registered before the command', async () => {
    const { path: p, server } = await fakeQemu('b.sock', (cmd, send) => {
      send({ return: {}, id: cmd.id });
      send({ event: 'SHUTDOWN', data: { guest: true, reason: 'guest-shutdown' }, timestamp: { seconds: 1, microseconds: 2 } });
    });
    const qmp = await QmpClient.connect(p, 2000);
    const seen: string[] = [];
    qmp.onEvent((e) => seen.push(e.event));
    const wait = qmp.waitForEvent('SHUTDOWN', 2000, (e) => e.data.guest === true);
    await qmp.execute('system_powerdown');
    const ev = await wait;
    assert.equal(ev.data.reason, 'guest-shutdown');
    assert.deepEqual(ev.timestamp, { seconds: 1, microseconds: 2 });
    assert.deepEqual(seen, ['SHUTDOWN']);
    await assert.rejects(qmp.waitForEvent('RESET', 50), /no RESET event within 50 ms/);
    qmp.close();
    server.close();
  });

  it('times out commands, fails pending ones when QEMU goes away, and never hangs on a silent socket', async () => {
    let conn: net.Socket | undefined;
    const { path: p, server } = await fakeQemu('c.sock', () => {});
    server.on('connection', (c) => {
      conn = c;
    });
    const qmp = await QmpClient.connect(p, 2000);
    await assert.rejects(qmp.execute('query-status', undefined, 50), /no answer within 50 ms/);
    const pending = qmp.execute('query-status', undefined, 5000);
    conn?.destroy();
    await assert.rejects(pending, /connection (closed|error)/);
    await qmp.whenClosed;
    assert.equal(qmp.closed, true);
    server.close();

    const silent = await fakeQemu('d.sock', () => {}, false);
    await assert.rejects(QmpClient.connect(silent.path, 100), /no greeting within 100 ms/);
    silent.server.close();
    await assert.rejects(QmpClient.connect(path.join(dir, 'missing.sock'), 100), (e: unknown) => e instanceof QmpError && /ENOENT/.test(e.message));
  });
});
