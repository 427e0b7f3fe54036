import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { dataplaneUnder } from '../support/netns-capstone.ts';
import { ROOT, tmpDir, until } from '../support/procs.ts';

const dir = tmpDir('nova-killed-runner-');
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/**
 * A test file that registers a stopper and then waits to be killed: the
 * stopper writes (after a while, and with a lot of output to a runner that
 * may be gone) which signal the process is being killed by, in `<name>.stopped`.
 */
function fixture(name: string): { file: string; ready: string; stopped: string } {
  const file = path.join(dir, `${name}.test.ts`);
  const ready = path.join(dir, `${name}.pid`);
  const stopped = path.join(dir, `${name}.stopped`);
  fs.writeFileSync(
    file,
    `import fs from 'node:fs';
import { it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { killSignal, onCleanup } from ${JSON.stringify(path.join(ROOT, 'test', 'support', 'procs.ts'))};
onCleanup('the marker', async () => {
  await sleep(300);
  for (let i = 0; i < 50; i++) process.stdout.write('x'.repeat(10_000) + '\\n');
  fs.writeFileSync(${JSON.stringify(stopped)}, String(killSignal()));
});
it('waits to be killed', async () => {
  fs.writeFileSync(${JSON.stringify(ready)}, String(process.pid));
  await sleep(60_000);
});
`,
  );
  return { file, ready, stopped };
}

/** node's test runner on `file`, as scripts/test.mjs runs it (not as a child of this one: no NODE_TEST_CONTEXT); its output for the messages. */
function runner(file: string): { proc: ChildProcess; exited: Promise<void>; output: () => string } {
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  const proc = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=tap', file], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (b: Buffer) => {
    out = (out + b.toString()).slice(-4000);
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  return { proc, exited: new Promise((r) => proc.once('exit', () => r())), output: () => out };
}

const alive = (pid: number) => fs.existsSync(`/proc/${pid}`) && !/^\S+ \S+ Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/\(.*\)/, 'x'));

/**
 * test/support/procs.ts's cleanup registry when the runner is killed
 * (a cancelled CI job, ^C): node:test runs no after hook then, so the
 * registry's own SIGTERM/SIGINT handler stops what is registered (the
 * capstone clouds' dataplane among it), telling the stoppers by
 * killSignal(), before the process ends by the same signal.
 */
describe('a killed test runner still runs the registered cleanups', { timeout: 120_000 }, () => {
  it('SIGTERM to the test file’s process: the stoppers run, then it ends by SIGTERM', async () => {
    const f = fixture('term');
    const r = runner(f.file);
    const pid = await until(async () => (fs.existsSync(f.ready) ? Number(fs.readFileSync(f.ready, 'utf8')) : null), 30_000, 'the fixture running', 100).catch((e: Error) => {
      throw new Error(`${e.message}:\n${r.output()}`);
    });
    process.kill(pid, 'SIGTERM');
    await until(async () => (alive(pid) ? null : true), 30_000, 'the fixture ended', 100);
    assert.equal(fs.readFileSync(f.stopped, 'utf8'), 'SIGTERM');
    await r.exited;
    assert.match(r.output(), /signal: 'SIGTERM'/, 'the runner saw the file end by SIGTERM');
  });

  it('SIGINT to the runner: it passes a SIGTERM on and exits; the file’s process still stops what it registered', async () => {
    const f = fixture('int');
    const r = runner(f.file);
    const pid = await until(async () => (fs.existsSync(f.ready) ? Number(fs.readFileSync(f.ready, 'utf8')) : null), 30_000, 'the fixture running', 100).catch((e: Error) => {
      throw new Error(`${e.message}:\n${r.output()}`);
    });
    r.proc.kill('SIGINT');
    await r.exited;
    await until(async () => (alive(pid) ? null : true), 30_000, 'the fixture ended', 100);
    assert.match(fs.readFileSync(f.stopped, 'utf8'), /^SIG(TERM|INT)$/);
  });

  it("the capstone cloud's stop finds the agents' namespaces and the processes left under its directory", async () => {
    const cloud = path.join(dir, 'capstone');
    for (const d of ['controller/network-agent/dhcp/net-1', 'controller/network-agent/l3/router-1', 'compute-1/network-agent/dhcp/net-2', 'compute-2/logs'])
      fs.mkdirSync(path.join(cloud, d), { recursive: true });
    // A process that names a file of the cloud (as dnsmasq its --pid-file), and one that does not.
    const left = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)', path.join(cloud, 'controller', 'network-agent', 'dhcp', 'net-1', 'pid')], { stdio: 'ignore' });
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
    try {
      await until(
        async () => (left.pid && fs.existsSync(`/proc/${left.pid}/cmdline`) && fs.readFileSync(`/proc/${left.pid}/cmdline`, 'utf8').includes(cloud) ? true : null),
        10_000,
        'the process started',
        50,
      );
      const found = dataplaneUnder(cloud);
      assert.deepEqual(found.namespaces, ['qdhcp-net-2', 'qdhcp-net-1', 'qrouter-router-1']);
      assert.deepEqual(found.pids, [left.pid]);
    } finally {
      left.kill('SIGKILL');
      other.kill('SIGKILL');
    }
  });
});
