import { stopOnSignal } from '../service/launcher.ts';
import { fail, main, setup } from './common.ts';
import { ComputeFleet, rssBytes } from './services/compute-sim.ts';
import { makeTransport } from './transport.ts';

/** --hosts N and --prefix P, over [compute_sim] hosts and host_prefix. */
function parseArgs(args: readonly string[], defaults: { hosts: number; prefix: string }): { hosts: number; prefix: string } {
  const out = { ...defaults };
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = (args[i] as string).split('=', 2);
    const value = inline ?? args[++i];
    if (flag === '--hosts') {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1) fail('nova-compute-sim', new Error(`--hosts needs a positive integer, got ${value}`));
      out.hosts = n;
    } else if (flag === '--prefix' && value) {
      out.prefix = value;
    } else {
      fail('nova-compute-sim', new Error(`unknown argument ${args[i]} (use --hosts N, --prefix P, --config-file F)`));
    }
  }
  return out;
}

// nova-compute-sim: N nova-compute services (fake driver) in one process over one bus connection; like nova-compute, no database.
main('nova-compute-sim', async () => {
  const { conf, log, args } = setup('nova-compute-sim');
  const { hosts, prefix } = parseArgs(args, { hosts: conf.compute_sim.hosts, prefix: conf.compute_sim.host_prefix });
  const transport = makeTransport(conf, log);
  const fleet = new ComputeFleet(conf, transport, log, { hosts, prefix, concurrency: conf.compute_sim.start_concurrency });
  stopOnSignal([{ stop: () => transport.close() }, fleet], log);
  const base = rssBytes();
  const t0 = Date.now();
  await fleet.start();
  const rss = rssBytes();
  const perHostKiB = Math.round((rss - base) / hosts / 1024);
  const figures = {
    hosts,
    prefix,
    start_ms: Date.now() - t0,
    rss_mib: Math.round(rss / 1048576),
    rss_per_host_kib: Math.round(rss / hosts / 1024),
    added_per_host_kib: perHostKiB,
  };
  log.info(figures, 'compute simulator ready');
  process.stdout.write(
    `nova-compute-sim: ${hosts} hosts (${prefix}…) up in ${figures.start_ms} ms; RSS ${figures.rss_mib} MiB = ${figures.rss_per_host_kib} KiB per host (${perHostKiB} KiB per host above the empty process)\n`,
  );
});
