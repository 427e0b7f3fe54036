/**
 * One chaos run: start the separate-process cloud on the given engines,
 * storm it with boots and deletes while faults are injected at fixed points
 * of the storm (daemons SIGKILLed and restarted, the bus and the database
 * taken away), let it settle, and check the invariants.
 */
import { DbApi } from '../../src/db/api/index.ts';
import { openDatabase } from '../../src/db/connection.ts';
import { cleanupAll } from '../../test/support/procs.ts';
import { startChaosCloud } from './cloud.ts';
import type { Engines } from './engines.ts';
import { type Census, checkInvariants, type Violations, violationCount } from './invariants.ts';
import { type StormResult, storm } from './storm.ts';

export interface ChaosOptions {
  readonly boots: number;
  readonly concurrency: number;
  readonly deleteShare: number;
  /** How long the cloud may take to settle after the storm. */
  readonly settleMs: number;
  /** A fault is injected each time this share of the boots more has been accepted. */
  readonly faultEvery: number;
  readonly log: (line: string) => void;
}

export interface FaultRecord {
  readonly name: string;
  readonly atBoot: number;
  readonly tookMs: number;
  /** What the fault did, as it says (which node, how long its return took). */
  readonly detail?: string;
  readonly error?: string;
}

export interface ChaosReport {
  readonly engines: string;
  readonly storm: Omit<StormResult, 'accepted' | 'deleted'> & { accepted: number; deleted: number };
  readonly faults: FaultRecord[];
  readonly census: Census;
  readonly violations: Violations;
  readonly settleMs: number;
  readonly ok: boolean;
}

/**
 * The faults of a run, in the order they are injected: the daemons SIGKILLed
 * and restarted, with the engines' faults in between (the first after three
 * crashes, then one after every crash, the rest at the end).
 */
type Crash = (daemon: string, downMs: number) => Promise<void>;

function schedule(engines: Engines): { name: string; run: (crash: Crash) => Promise<string | undefined> }[] {
  const crash = (daemon: string, downMs: number) => ({
    name: `SIGKILL ${daemon}`,
    run: async (c: Crash) => {
      await c(daemon, downMs);
      return undefined;
    },
  });
  const crashes = [
    crash('scheduler-0', 1500),
    crash('conductor-0', 1500),
    crash('chaos-1', 2500),
    crash('api', 1500),
    crash('chaos-2', 1000),
    crash('conductor-1', 1000),
    crash('scheduler-1', 1000),
  ];
  const own = Object.entries(engines.faults).map(([name, f]) => {
    const downMs = engines.downMs?.[name] ?? 4000;
    return { name: `${name} ${downMs / 1000} s`, run: () => f(downMs) };
  });
  return [...crashes.slice(0, 3), ...crashes.slice(3).flatMap((c) => [...own.splice(0, 1), c]), ...own];
}

export async function runChaos(engines: Engines, o: ChaosOptions): Promise<ChaosReport> {
  const cloud = await startChaosCloud(engines);
  o.log(`daemon logs in ${cloud.logDir}`);
  const db = new DbApi(await openDatabase(engines.databaseUrl, { maxRetries: -1, retryIntervalMs: 500 }));
  const prefix = `chaos-${Date.now().toString(36)}`;
  const faults: FaultRecord[] = [];
  const plan = schedule(engines);
  const step = Math.max(1, Math.floor(o.boots * o.faultEvery));
  let nextAt = step;
  const injecting: Promise<void>[] = [];
  try {
    const result = await storm({
      url: cloud.url,
      prefix,
      boots: o.boots,
      concurrency: o.concurrency,
      deleteShare: o.deleteShare,
      onAccepted(count) {
        if (count < nextAt || plan.length === 0) return;
        nextAt += step;
        const fault = plan.shift();
        if (!fault) return;
        // Each fault starts at its point of the storm, whatever the others are doing (they may overlap); the storm goes on meanwhile.
        injecting.push(
          (async () => {
            const t = Date.now();
            o.log(`fault at boot ${count}: ${fault.name}`);
            try {
              const detail = await fault.run((d, ms) => cloud.crash(d, ms));
              faults.push({ name: fault.name, atBoot: count, tookMs: Date.now() - t, ...(detail ? { detail } : {}) });
            } catch (e) {
              faults.push({ name: fault.name, atBoot: count, tookMs: Date.now() - t, error: e instanceof Error ? e.message : String(e) });
            }
          })(),
        );
      },
      log: o.log,
    });
    await Promise.all(injecting);
    o.log(`storm done: ${result.accepted.size} accepted, ${result.deleted.size} deleted, ${result.refused} refused in ${result.elapsedMs} ms; settling`);
    const t = Date.now();
    const run = { prefix, accepted: result.accepted, deleted: result.deleted, computes: cloud.computes, guestsFile: cloud.guestsFile };
    let last = await checkInvariants(db, run);
    while (violationCount(last.violations) > 0 && Date.now() - t < o.settleMs) {
      await new Promise((r) => setTimeout(r, 2000));
      last = await checkInvariants(db, run).catch(() => last);
    }
    const { accepted, deleted, ...rest } = result;
    return {
      engines: engines.label,
      storm: { ...rest, accepted: accepted.size, deleted: deleted.size },
      faults,
      census: last.census,
      violations: last.violations,
      settleMs: Date.now() - t,
      ok: violationCount(last.violations) === 0 && faults.every((f) => !f.error),
    };
  } finally {
    await db.db.close();
    await cloud.stop();
    await cleanupAll();
  }
}
