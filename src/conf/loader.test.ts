import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError } from '../exception/base.ts';
import { parseIni } from './ini.ts';
import { configArgs, loadConfig } from './loader.ts';
import { sampleConfig, showConfig } from './show.ts';

function tmpConf(text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nova-conf-'));
  const f = path.join(dir, 'nova.conf');
  fs.writeFileSync(f, text);
  return f;
}

describe('ini parser', () => {
  it('reads sections, both separators, comments, quotes and continuation lines', () => {
    const e = parseIni('[DEFAULT]\n# comment\n; other\nhost = a\nmy_ip: 10.0.0.1\nname = "quoted"\nlong = first\n  second\n[pci]\nalias = x\nalias = y\n');
    assert.deepEqual(
      e.map((x) => [x.section, x.key, x.value]),
      [
        ['DEFAULT', 'host', 'a'],
        ['DEFAULT', 'my_ip', '10.0.0.1'],
        ['DEFAULT', 'name', 'quoted'],
        ['DEFAULT', 'long', 'first\nsecond'],
        ['pci', 'alias', 'x'],
        ['pci', 'alias', 'y'],
      ],
    );
  });
  it('names the file and line of a syntax error', () => {
    assert.throws(() => parseIni('[DEFAULT]\nthis is not an option\n', '/etc/nova/nova.conf'), /\/etc\/nova\/nova.conf:2: expected 'key = value'/);
    assert.throws(() => parseIni('host = x\n', 'f.conf'), /f.conf:1: option before any \[section\]/);
    assert.throws(() => parseIni('[DEFAULT\n', 'f.conf'), /invalid section header/);
  });
});

describe('loadConfig', () => {
  it('fills every option with its default', () => {
    const c = loadConfig();
    assert.equal(c.DEFAULT.report_interval, 10);
    assert.equal(c.DEFAULT.service_down_time, 60);
    assert.equal(c.DEFAULT.rpc_response_timeout, 60);
    assert.equal(c.DEFAULT.transport_url, 'memory://');
    assert.equal(c.DEFAULT.compute_driver, 'fake.FakeDriver');
    assert.equal(c.DEFAULT.debug, false);
    assert.equal(c.database.connection, `sqlite:///${c.DEFAULT.state_path}/nova.sqlite`);
    assert.equal(c.DEFAULT.instances_path, `${c.DEFAULT.state_path}/instances`);
    assert.equal(c.scheduler.max_attempts, 3);
  });

  it('reads files in order, later files win, and substitutes $state_path', () => {
    const a = tmpConf('[DEFAULT]\nhost = first\nstate_path = /var/lib/nova\nreport_interval = 5\n');
    const b = tmpConf('[DEFAULT]\nhost = second\ndebug = True\n[database]\nconnection = mysql+pymysql://nova:secret@db/nova\n');
    const c = loadConfig({ files: [a, b] });
    assert.equal(c.DEFAULT.host, 'second');
    assert.equal(c.DEFAULT.report_interval, 5);
    assert.equal(c.DEFAULT.debug, true);
    assert.equal(c.DEFAULT.instances_path, '/var/lib/nova/instances');
    assert.equal(c.database.connection, 'mysql+pymysql://nova:secret@db/nova');
  });

  it('warns about unknown options and sections but keeps going', () => {
    const f = tmpConf('[DEFAULT]\nno_such_option = 1\n[nosection]\nx = 1\n[keystone_authtoken]\nauth_url = http://x\n');
    const warnings: string[] = [];
    loadConfig({ files: [f], warn: (m) => warnings.push(m) });
    assert.equal(warnings.length, 2);
    assert.match(warnings[0] ?? '', /unknown option \[DEFAULT\] no_such_option/);
    assert.match(warnings[1] ?? '', /unknown option \[nosection\] x/);
  });

  it('fails on a wrong type naming the file, section and option', () => {
    const f = tmpConf('[DEFAULT]\nreport_interval = often\n');
    assert.throws(
      () => loadConfig({ files: [f] }),
      (e: unknown) => e instanceof ConfigError && e.message.includes(f) && e.message.includes('[DEFAULT] report_interval') && e.message.includes("'often' is not an integer"),
    );
    const g = tmpConf('[DEFAULT]\ndebug = maybe\n');
    assert.throws(() => loadConfig({ files: [g] }), /\[DEFAULT\] debug: 'maybe' is not a boolean/);
    const h = tmpConf('[api]\nauth_strategy = magic\n');
    assert.throws(() => loadConfig({ files: [h] }), /\[api\] auth_strategy: 'magic' is not one of: noauth2, keystone/);
    const i = tmpConf('[DEFAULT]\nreport_interval = 0\n');
    assert.throws(() => loadConfig({ files: [i] }), /less than the minimum 1/);
  });

  it('fails clearly on a missing file and a malformed one', () => {
    assert.throws(() => loadConfig({ files: ['/nonexistent/nova.conf'] }), /--config-file \/nonexistent\/nova.conf: no such file/);
    const f = tmpConf('[DEFAULT]\ngarbage line\n');
    assert.throws(() => loadConfig({ files: [f] }), /malformed config file .*:2/);
  });

  it('takes OS_<GROUP>__<OPT> from the environment over files', () => {
    const f = tmpConf('[DEFAULT]\nhost = file\n');
    const c = loadConfig({ files: [f], env: { OS_DEFAULT__HOST: 'env', OS_DATABASE__MAX_POOL_SIZE: '3' } });
    assert.equal(c.DEFAULT.host, 'env');
    assert.equal(c.database.max_pool_size, 3);
  });

  it('reads --config-dir files after --config-file', () => {
    const f = tmpConf('[DEFAULT]\nhost = file\n');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nova-confdir-'));
    fs.writeFileSync(path.join(dir, '10-a.conf'), '[DEFAULT]\nhost = dir-a\n');
    fs.writeFileSync(path.join(dir, '20-b.conf'), '[DEFAULT]\nmy_ip = 10.1.1.1\n');
    fs.writeFileSync(path.join(dir, 'ignored.txt'), '[DEFAULT]\nhost = no\n');
    const c = loadConfig({ files: [f], dirs: [dir] });
    assert.equal(c.DEFAULT.host, 'dir-a');
    assert.equal(c.DEFAULT.my_ip, '10.1.1.1');
  });

  it('returns a frozen object', () => {
    const c = loadConfig();
    assert.throws(() => {
      (c.DEFAULT as { host: string }).host = 'x';
    });
  });

  it('splits --config-file arguments out of argv', () => {
    assert.deepEqual(configArgs(['--config-file', 'a', '--config-file=b', 'db', 'sync', '--config-dir', 'd']), { files: ['a', 'b'], dirs: ['d'], rest: ['db', 'sync'] });
    assert.throws(() => configArgs(['--config-file']), /needs a value/);
  });
});

describe('config show and sample', () => {
  it('masks passwords in URLs', () => {
    const f = tmpConf('[DEFAULT]\ntransport_url = rabbit://guest:hunter2@mq:5672/\n[database]\nconnection = mysql+pymysql://nova:hunter2@db/nova\n');
    const text = showConfig(loadConfig({ files: [f] }));
    assert.ok(!text.includes('hunter2'));
    assert.match(text, /connection = mysql\+pymysql:\/\/nova:\*\*\*\*@db\/nova/);
    assert.match(text, /\[DEFAULT\]\n/);
  });
  it('documents every option with its help text and default', () => {
    const text = sampleConfig();
    assert.match(text, /#report_interval = 10/);
    assert.match(text, /Seconds between service heartbeats/);
    assert.match(text, /\[filter_scheduler\]/);
  });
});
