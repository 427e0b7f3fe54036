/**
 * The reduced chaos run CI makes on every change (npm run chaos is the full
 * one): a separate-process cloud over RabbitMQ and MariaDB stormed with
 * boots and deletes while every daemon kind is SIGKILLed and restarted and
 * the bus and the database are taken away; at the end nothing is stuck,
 * lost, duplicated or orphaned and every host's usage adds up.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { proxiedEngines } from '../../bench/chaos/engines.ts';
import { VIOLATION_NAMES, type Violations } from '../../bench/chaos/invariants.ts';
import { runChaos } from '../../bench/chaos/run.ts';
import { mysqlSkip, rabbitSkip } from '../support/backends.ts';

describe('chaos (reduced run)', () => {
  it('40 boots while daemons are killed and the bus and database go away: nothing stuck, lost, duplicated or orphaned', { timeout: 600_000 }, async (t) => {
    const skip = (await mysqlSkip()) ?? (await rabbitSkip());
    if (skip) return t.skip(skip);
    const engines = await proxiedEngines();
    const report = await runChaos(engines, { boots: 40, concurrency: 8, deleteShare: 0.3, settleMs: 180_000, faultEvery: 0.1, log: (l) => t.diagnostic(l) }).finally(() =>
      engines.close(),
    );
    t.diagnostic(
      `accepted ${report.storm.accepted}, deleted ${report.storm.deleted}, ACTIVE ${report.census.active}, ERROR ${report.census.error}, client hiccups ${JSON.stringify(report.storm.hiccups)}`,
    );
    assert.equal(report.storm.accepted, 40);
    assert.ok(report.faults.length >= 7, `only ${report.faults.length} faults were injected`);
    for (const f of report.faults) assert.equal(f.error, undefined, `${f.name}: ${f.error}`);
    for (const k of Object.keys(VIOLATION_NAMES) as (keyof Violations)[]) assert.deepEqual(report.violations[k], [], VIOLATION_NAMES[k]);
  });
});
