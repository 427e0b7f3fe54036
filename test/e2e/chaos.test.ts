/**
 * The reduced chaos runs CI makes on every change (npm run chaos is the full
 * one): a separate-process cloud stormed with boots and deletes while every
 * daemon kind is SIGKILLed and restarted and the engines take their faults —
 * the machine's RabbitMQ and MariaDB cut at TCP proxies, then a three-node
 * RabbitMQ cluster and a three-node Galera cluster losing the node in use
 * (SIGKILL, restart) — and at the end nothing is stuck, lost, duplicated or
 * orphaned and every host's usage adds up.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { type EngineSet, engineSkip, startEngines } from '../../bench/chaos/engines.ts';
import { VIOLATION_NAMES, type Violations } from '../../bench/chaos/invariants.ts';
import { runChaos } from '../../bench/chaos/run.ts';

async function reducedRun(t: TestContext, set: EngineSet, faultEvery: number, minFaults: number): Promise<void> {
  const skip = await engineSkip(set);
  if (skip) return void t.skip(skip);
  const engines = await startEngines(set);
  const report = await runChaos(engines, { boots: 40, concurrency: 8, deleteShare: 0.3, settleMs: 180_000, faultEvery, log: (l) => t.diagnostic(l) }).finally(() =>
    engines.close(),
  );
  t.diagnostic(
    `${set}: accepted ${report.storm.accepted}, deleted ${report.storm.deleted}, ACTIVE ${report.census.active}, ERROR ${report.census.error}, client hiccups ${JSON.stringify(report.storm.hiccups)}`,
  );
  assert.equal(report.storm.accepted, 40);
  assert.ok(report.faults.length >= minFaults, `only ${report.faults.length} faults were injected`);
  for (const f of report.faults) assert.equal(f.error, undefined, `${f.name}: ${f.error}`);
  for (const k of Object.keys(VIOLATION_NAMES) as (keyof Violations)[]) assert.deepEqual(report.violations[k], [], VIOLATION_NAMES[k]);
}

describe('chaos (reduced run)', () => {
  it('40 boots while daemons are killed and the bus and database go away: nothing stuck, lost, duplicated or orphaned', { timeout: 600_000 }, (t) =>
    reducedRun(t, 'proxied', 0.1, 7),
  );

  it('40 boots on a RabbitMQ cluster and a Galera cluster whose nodes in use are SIGKILLed and restarted: the same', { timeout: 600_000 }, (t) =>
    reducedRun(t, 'cluster', 0.075, 11),
  );
});
