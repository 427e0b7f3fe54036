// npm run chaos [-- --engines proxied|private|cluster|all --boots N --concurrency C --json FILE]:
// storms a separate-process cloud while injecting faults, then checks that nothing is lost or stuck.
// `all` (the default) runs every engine set this machine can run, one after the other, and says why
// it skipped the others; naming one set fails when it cannot run here. Exits non-zero on any
// violation, failed fault or failed run.
import fs from 'node:fs';
import { ENGINE_SETS, type EngineSet, engineSkip, startEngines } from './chaos/engines.ts';
import { type Outcome, printReport, printSummary } from './chaos/report.ts';
import { runChaos } from './chaos/run.ts';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

const which = arg('engines', 'all');
const isSet = (x: string): x is EngineSet => (ENGINE_SETS as readonly string[]).includes(x);
const sets = which === 'all' ? ENGINE_SETS : which.split(',').map((x) => x.trim());
const unknown = sets.filter((x) => !isSet(x));
if (unknown.length) {
  console.error(`chaos: unknown engines ${unknown.join(', ')} (one of ${ENGINE_SETS.join(', ')}, a comma-separated list, or all)`);
  process.exit(2);
}

const outcomes: Outcome[] = [];
for (const set of sets.filter(isSet)) {
  const skip = await engineSkip(set).catch((e: unknown) => (e instanceof Error ? e.message : String(e)));
  if (skip) {
    if (which !== 'all') {
      console.error(`chaos: the ${set} engines cannot run here: ${skip}`);
      process.exit(2);
    }
    console.log(`# ${set}: ${skip}`);
    outcomes.push({ set, skipped: skip });
    continue;
  }
  const log = (l: string) => console.log(`# [${set}] ${l}`);
  const t = Date.now();
  try {
    const engines = await startEngines(set);
    log(`engines up in ${((Date.now() - t) / 1000).toFixed(1)} s: ${engines.label}`);
    const report = await runChaos(engines, {
      boots: Number(arg('boots', '300')),
      concurrency: Number(arg('concurrency', '20')),
      deleteShare: Number(arg('delete-share', '0.3')),
      settleMs: Number(arg('settle-s', '240')) * 1000,
      faultEvery: Number(arg('fault-every', '0.08')),
      log,
    }).finally(() => engines.close());
    printReport(set, report);
    outcomes.push({ set, report });
  } catch (e) {
    console.error(`chaos: the run on the ${set} engines failed:`, e);
    // The first line, and the first error line after it (a daemon that would not start brings its whole output).
    const lines = e instanceof Error ? e.message.split('\n') : [String(e)];
    const why = lines.slice(1).find((l) => /Error|error:/.test(l));
    outcomes.push({ set, failed: [lines[0], why?.trim().slice(0, 160)].filter(Boolean).join(' ') });
  }
}
printSummary(outcomes);
const json = arg('json', '');
if (json) fs.writeFileSync(json, JSON.stringify(outcomes, null, 2));
const ok = outcomes.every((o) => !('failed' in o) && (!('report' in o) || o.report.ok)) && outcomes.some((o) => 'report' in o);
console.log(ok ? '\nchaos: OK' : '\nchaos: VIOLATIONS');
process.exit(ok ? 0 : 1);
