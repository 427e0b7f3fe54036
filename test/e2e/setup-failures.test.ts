import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { mysqlSkip, rabbitSkip } from '../support/backends.ts';
import { startCloud } from '../support/cloud.ts';
import { startCluster } from '../support/cluster.ts';
import { pendingCleanups } from '../support/procs.ts';

/** Live child processes of this test process (read from /proc, not from our own bookkeeping). */
function children(): number[] {
  const out: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(ppid) === process.pid && state !== 'Z') out.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/**
 * A setup that fails half way stops what it had already started: the
 * daemons of a cluster whose last host cannot start, the services of an
 * in-process cloud whose API cannot listen. Nothing stays registered for
 * cleanup and no child process is left (which would also keep this test
 * process from exiting).
 */
describe('setups that fail half way leave nothing running', () => {
  it('startCluster: a compute that cannot start stops the conductor, scheduler and API it started first', async (t) => {
    const skip = (await mysqlSkip()) ?? (await rabbitSkip());
    if (skip) return t.skip(skip);
    const before = children(); // tsx's esbuild service, say
    await assert.rejects(
      startCluster({ computes: ['good-1', { host: 'broken-1', conf: { DEFAULT: { compute_driver: 'no.SuchDriver' } } }] }),
      /broken-1 exited \(1\) before .*unknown driver 'no\.SuchDriver'/s,
    );
    assert.deepEqual(pendingCleanups(), []);
    assert.deepEqual(children(), before, 'no daemon left');
  });

  describe('startCloud (in process)', () => {
    const busy = net.createServer();
    let port = 0;
    before(async () => {
      await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
      port = (busy.address() as net.AddressInfo).port;
    });
    after(() => new Promise<void>((r) => busy.close(() => r())));

    it('an API that cannot listen stops the conductor, scheduler and compute services started before it', async () => {
      await assert.rejects(startCloud({ overrides: { api: { osapi_compute_listen_port: String(port) } } }), /EADDRINUSE|in use/);
      assert.deepEqual(pendingCleanups(), []);
    });
  });
});
