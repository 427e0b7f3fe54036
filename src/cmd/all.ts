import { ApiManager } from '../api/service.ts';
import { ComputeManager } from '../compute/manager.ts';
import { COMPUTE_TOPIC } from '../compute/rpc-types.ts';
import { ConductorManager } from '../conductor/manager.ts';
import { CONDUCTOR_TOPIC } from '../conductor/rpc-types.ts';
import { ConductorRpcApi } from '../conductor/rpcapi.ts';
import { SchedulerManager } from '../scheduler/manager.ts';
import { SCHEDULER_TOPIC } from '../scheduler/rpc-types.ts';
import { ConductorServiceRegistry } from '../service/conductor-registry.ts';
import { stopOnSignal } from '../service/launcher.ts';
import { Service } from '../service/service.ts';
import { DbServiceRegistry } from '../service/servicegroup.ts';
import { buildApi } from './build-api.ts';
import { main, setup } from './common.ts';
import { connectDb, makeTransport } from './wiring.ts';

/**
 * The all-in-one: nova-conductor, nova-scheduler, nova-compute and nova-api
 * in one process, on the embedded defaults (SQLite under state_path and the
 * in-process bus) unless nova.conf says otherwise. Data survives restarts.
 */
main('nova-all', async () => {
  const { conf, log } = setup('nova-all', process.argv.slice(2), { prettyOnTty: true });
  const db = await connectDb(conf, log, { sync: true });
  const registry = new DbServiceRegistry(db.services);
  const parts: { stop(): Promise<void> }[] = [{ stop: () => db.db.close() }];
  const transports = [makeTransport(conf, log), makeTransport(conf, log), makeTransport(conf, log), makeTransport(conf, log)] as const;
  parts.push({ stop: async () => void (await Promise.all(transports.map((t) => t.close()))) });
  const [tConductor, tScheduler, tCompute, tApi] = transports;

  const conductorLog = log.child({ svc: 'nova-conductor' });
  const conductor = new Service({
    conf,
    binary: 'nova-conductor',
    topic: CONDUCTOR_TOPIC,
    transport: tConductor,
    registry,
    manager: new ConductorManager(db, conductorLog),
    log: conductorLog,
  });
  const schedulerLog = log.child({ svc: 'nova-scheduler' });
  const scheduler = new Service({
    conf,
    binary: 'nova-scheduler',
    topic: SCHEDULER_TOPIC,
    transport: tScheduler,
    registry,
    manager: new SchedulerManager({ conf, db, transport: tScheduler, log: schedulerLog }),
    log: schedulerLog,
  });
  const computeLog = log.child({ svc: 'nova-compute' });
  const conductorApi = new ConductorRpcApi(tCompute, conf.DEFAULT.rpc_response_timeout * 1000);
  const compute = new Service({
    conf,
    binary: 'nova-compute',
    topic: COMPUTE_TOPIC,
    transport: tCompute,
    registry: new ConductorServiceRegistry(conductorApi, conf.compute.conductor_wait_timeout * 1000, computeLog),
    manager: new ComputeManager({ conf, host: conf.DEFAULT.host, conductor: conductorApi, log: computeLog }),
    log: computeLog,
  });
  const apiLog = log.child({ svc: 'nova-api' });
  const apiManager = new ApiManager(buildApi({ conf, db, transport: tApi, log: apiLog }), conf, apiLog);
  const api = new Service({ conf, binary: 'nova-osapi_compute', topic: null, transport: tApi, registry, manager: apiManager, log: apiLog });

  for (const s of [conductor, scheduler, compute, api]) {
    await s.start();
    parts.push(s);
  }
  stopOnSignal(parts, log);
  process.stdout.write(
    [
      '',
      'nova all-in-one is running.',
      `  Compute API:  ${apiManager.url}/v2.1`,
      `  Database:     ${db.db.description}`,
      `  Message bus:  ${tApi.description}`,
      `  State:        ${conf.DEFAULT.state_path}`,
      `  Try:          curl -s -H 'X-Auth-Token: admin:admin' ${apiManager.url}/v2.1/os-services`,
      '  Stop with Ctrl-C.',
      '',
    ].join('\n'),
  );
});
