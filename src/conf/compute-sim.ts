import { defineGroup, intOpt, strOpt } from './opt.ts';

/** `[compute_sim]`: nova-compute-sim, one process running many simulated nova-compute hosts (fake driver) for scale runs. */
export const computeSimGroup = defineGroup('compute_sim', 'The compute simulator (nova-compute-sim): N nova-compute services in one process, for scale runs.', {
  hosts: intOpt({
    default: 10,
    min: 1,
    help: 'How many nova-compute services nova-compute-sim runs, each with its own host name, compute.<host> queue, service record, heartbeats and compute node (fake driver). The command line option --hosts overrides it.',
  }),
  host_prefix: strOpt({
    default: 'sim-',
    help: 'Host names of the simulated computes: this prefix followed by a zero-padded number (sim-0001, sim-0002…). The command line option --prefix overrides it.',
  }),
  start_concurrency: intOpt({
    default: 16,
    min: 1,
    help: 'How many simulated hosts register and report their resources at the same time during start-up. Start-up in waves keeps a thousand hosts from hitting nova-conductor at once, and spreads their heartbeats and periodic tasks over the interval.',
  }),
});
