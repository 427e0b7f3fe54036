import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { run, tmpDir, writeConf } from '../support/procs.ts';

/** Bad configuration at start: one clear line naming the option, non-zero exit, no stack trace. */
describe('startup errors', () => {
  const dir = tmpDir();

  async function expectOneLine(bin: 'nova-conductor' | 'nova-compute' | 'nova-api', conf: string, pattern: RegExp) {
    const r = await run(bin, ['--config-file', conf], {}, 60_000);
    assert.notEqual(r.code, 0);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith(`${bin}: error:`));
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0] as string, pattern);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  }

  it('a malformed nova.conf', async () => {
    const f = path.join(dir, 'bad.conf');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(f, '[DEFAULT]\nthis line is wrong\n');
    await expectOneLine('nova-conductor', f, /malformed config file .*bad\.conf:2/);
  });

  it('a value of the wrong type', async () => {
    const f = writeConf(path.join(dir, 'type.conf'), { DEFAULT: { report_interval: 'soon' } });
    await expectOneLine('nova-compute', f, /type\.conf:\d+: \[DEFAULT\] report_interval: 'soon' is not an integer/);
  });

  it('a wrong transport URL scheme', async () => {
    const f = writeConf(path.join(dir, 'scheme.conf'), { DEFAULT: { transport_url: 'kafka://localhost/', state_path: path.join(dir, 's1') } });
    await expectOneLine('nova-compute', f, /\[DEFAULT\] transport_url: unsupported scheme 'kafka:\/\/'/);
  });

  it('an unreachable database', async () => {
    const f = writeConf(path.join(dir, 'db.conf'), { DEFAULT: { transport_url: 'memory://' }, database: { connection: 'mysql+pymysql://root:@127.0.0.1:1/nova', max_retries: 0 } });
    await expectOneLine('nova-conductor', f, /\[database\] connection: cannot connect to .*connection refused/);
  });

  it('an unreachable broker', async () => {
    const f = writeConf(path.join(dir, 'mq.conf'), {
      DEFAULT: { transport_url: 'rabbit://guest:guest@127.0.0.1:1/', state_path: path.join(dir, 's2') },
      oslo_messaging_rabbit: { connect_attempts: 1 },
    });
    await expectOneLine('nova-compute', f, /cannot connect to the message bus rabbit:\/\/guest:\*\*\*\*@127\.0\.0\.1:1\/: connection refused/);
  });

  it('an unknown --config-file', async () => {
    await expectOneLine('nova-api', '/nonexistent/nova.conf', /--config-file \/nonexistent\/nova\.conf: no such file/);
  });
});
