import type { Service } from '../service/service.ts';
import { stopOnSignal } from '../service/launcher.ts';
import { main, setup } from './common.ts';
import { apiService } from './services/api.ts';
import { computeService } from './services/compute.ts';
import { conductorService } from './services/conductor.ts';
import { schedulerService } from './services/scheduler.ts';
import { makeTransport } from './transport.ts';
import { connectDb } from './wiring.ts';

/**
 * The all-in-one: nova-conductor, nova-scheduler, nova-compute and nova-api
 * in one process, on the embedded defaults (SQLite under state_path and the
 * in-process bus) unless nova.conf says otherwise. Data survives restarts.
 */
main('nova-all', async () => {
  const { conf, log } = setup('nova-all', process.argv.slice(2), { prettyOnTty: true });
  const db = await connectDb(conf, log, { sync: true });
  const transports = [makeTransport(conf, log), makeTransport(conf, log), makeTransport(conf, log), makeTransport(conf, log)] as const;
  const [tConductor, tScheduler, tCompute, tApi] = transports;
  const parts: { stop(): Promise<void> }[] = [{ stop: () => db.db.close() }, { stop: async () => void (await Promise.all(transports.map((t) => t.close()))) }];
  const api = apiService(conf, db, tApi, log.child({ svc: 'nova-api' }));
  const services: Service[] = [
    conductorService(conf, db, tConductor, log.child({ svc: 'nova-conductor' })),
    schedulerService(conf, db, tScheduler, log.child({ svc: 'nova-scheduler' })),
    await computeService(conf, tCompute, log.child({ svc: 'nova-compute' })),
    api.service,
  ];
  for (const s of services) {
    await s.start();
    parts.push(s);
  }
  stopOnSignal(parts, log);
  process.stdout.write(
    [
      '',
      'nova all-in-one is running.',
      `  Compute API:  ${api.manager.url}/v2.1`,
      `  Database:     ${db.db.description}`,
      `  Message bus:  ${tApi.description}`,
      `  State:        ${conf.DEFAULT.state_path}`,
      `  Try:          curl -s -H 'X-Auth-Token: admin:admin' ${api.manager.url}/v2.1/os-services`,
      '  Stop with Ctrl-C.',
      '',
    ].join('\n'),
  );
});
