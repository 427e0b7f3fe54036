import assert from 'node:assert/strict';
import os from 'node:os';
import { describe, it } from 'node:test';
import { loadConfig } from '../conf/loader.ts';
import { ConfigError } from '../exception/base.ts';
import { silentLogger } from '../log.ts';
import { superviseWorkers, workerCount } from './workers.ts';

const conf = (sections: Record<string, Record<string, string>>) => loadConfig({ overrides: sections });

describe('service workers', () => {
  it('0 workers is one per CPU (Nova), otherwise the number given', () => {
    assert.equal(workerCount(0), os.availableParallelism());
    assert.equal(workerCount(3), 3);
  });

  it('the options default to one process and are checked', () => {
    const c = conf({});
    assert.equal(c.DEFAULT.osapi_compute_workers, 1);
    assert.equal(c.DEFAULT.metadata_workers, 1);
    assert.equal(c.scheduler.workers, 1);
    assert.equal(c.conductor.workers, 1);
    assert.throws(() => conf({ conductor: { workers: '-1' } }));
  });

  it('one worker: no parent, the caller runs the service', () => {
    const c = conf({ DEFAULT: { transport_url: 'rabbit://g:g@127.0.0.1:5672/' } });
    assert.equal(superviseWorkers({ binary: 'nova-scheduler', option: '[scheduler] workers', workers: 1, conf: c, log: silentLogger() }), false);
  });

  it('several workers over the in-process memory:// bus are refused with a clear error', () => {
    const c = conf({ DEFAULT: { transport_url: 'memory://' } });
    assert.throws(
      () => superviseWorkers({ binary: 'nova-conductor', option: '[conductor] workers', workers: 2, conf: c, log: silentLogger() }),
      (e: unknown) => e instanceof ConfigError && /\[conductor\] workers = 2 .*memory:\/\/ is in-process/.test(e.message),
    );
  });
});
