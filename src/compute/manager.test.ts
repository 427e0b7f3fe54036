import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { testInstance } from '../../test/conformance/driver.case.ts';
import { CONDUCTOR_METHODS, type ConductorAPI } from '../conductor/rpc-types.ts';
import { loadConfig } from '../conf/loader.ts';
import { adminContext } from '../context.ts';
import { DBConnectionError } from '../db/outage.ts';
import { InstanceNotFound } from '../exception/instance.ts';
import { HypervisorError } from '../exception/virt.ts';
import type { Logger } from '../log.ts';
import type { InstanceDTO } from '../objects/instance.ts';
import type { RequestSpec } from '../objects/request-spec.ts';
import { rpcStubs } from '../rpc/api.ts';
import { MessagingTimeout } from '../rpc/errors.ts';
import { withRetries } from '../rpc/retry.ts';
import { FakeDriver } from '../virt/fake/driver.ts';
import { ComputeManager } from './manager.ts';
import { COMPUTE_METHODS, type ComputeAPI } from './rpc-types.ts';

interface LogLine {
  level: number;
  msg: string;
  instance?: string;
  err?: string;
}

const WARN = 40;

/** A logger whose lines the test reads. */
function capturingLogger(): { log: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const log: Logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as LogLine) });
  return { log, lines };
}

/** A nova-conductor whose every method fails with `down` unless `works` provides it. */
function conductor(works: Partial<ConductorAPI>): ConductorAPI {
  const down = async (): Promise<never> => {
    throw new Error('conductor unreachable');
  };
  return {
    service_register: down,
    service_heartbeat: down,
    instance_update: down,
    instance_get: down,
    instance_destroy: down,
    instances_on_host: down,
    instance_fault_create: down,
    action_start: down,
    action_event_start: down,
    action_event_finish: down,
    compute_node_update: down,
    allocations_release: down,
    allocations_heal: down,
    reschedule_instance: down,
    migrate_server: down,
    live_migrate_instance: down,
    evacuate_instance: down,
    unshelve_instance: down,
    migration_get: down,
    migration_update: down,
    migrations_find: down,
    allocations_move: down,
    allocations_revert: down,
    // Every build asks for the instance's block devices: none here.
    bdm_list: async () => [],
    bdm_create: down,
    bdm_update: down,
    bdm_destroy: down,
    ...works,
  };
}

/** Peer compute hosts that are never reached in these tests. */
function computeStub(): ComputeAPI {
  return rpcStubs<ComputeAPI>(COMPUTE_METHODS, () => {
    throw new Error('no peer compute host in this test');
  });
}

/** A fake driver whose destroy fails (a hypervisor that cannot clean up). */
class StuckDriver extends FakeDriver {
  override async destroy(instance: InstanceDTO): Promise<void> {
    throw new HypervisorError(`cannot remove ${instance.uuid}`);
  }
}

function manager(conductorApi: ConductorAPI, driver: FakeDriver, log: Logger): ComputeManager {
  const conf = loadConfig({ env: {}, overrides: {} });
  return new ComputeManager({ conf, host: 'h1', driver, conductor: conductorApi, compute: computeStub(), log });
}

const fakeOpts = { hostname: 'h1', vcpus: 8, memoryMb: 8192, localGb: 100, spawnDelayMs: 0, spawnFailureRate: 0 };

/** Failed follow-up steps (faults, task states, cleanups) are logged with the instance and the error, never swallowed. */
describe('compute manager: failures while handling a failure are logged', () => {
  it('a failed action whose fault, event and task state cannot be recorded', async () => {
    const { log, lines } = capturingLogger();
    const inst = testInstance('vm', { id: 'img', properties: {} }, 'h1');
    const m = manager(conductor({ action_event_start: async () => {} }), new FakeDriver({ ...fakeOpts, disabledCapabilities: ['supports_pause'] }), log);
    await m.pause_instance(adminContext(), { instance: inst });
    const warned = lines.filter((l) => l.level === WARN && l.instance === inst.uuid);
    assert.deepEqual(
      warned.map((l) => l.msg),
      [
        'could not record the failure of action event compute_pause_instance',
        'could not record the fault of the failed compute_pause_instance',
        'could not clear the task state after the failed compute_pause_instance',
      ],
    );
    for (const l of warned) assert.equal(l.err, 'conductor unreachable');
  });

  it('a failed spawn whose remains cannot be destroyed', async () => {
    const { log, lines } = capturingLogger();
    const inst = testInstance('vm', { id: 'img', properties: {} }, 'h1');
    const failing = { ...inst, metadata: { fake_spawn_fail: 'true' } };
    const ok = async () => {};
    const m = manager(
      conductor({
        instance_update: async () => failing,
        instance_fault_create: ok,
        allocations_release: ok,
        action_event_finish: ok,
        reschedule_instance: ok,
      }),
      new StuckDriver(fakeOpts),
      log,
    );
    const spec: RequestSpec = {
      instance_uuids: [inst.uuid],
      num_instances: 1,
      project_id: inst.project_id,
      user_id: inst.user_id,
      flavor: inst.flavor,
      image: { id: 'img', properties: {} },
      availability_zone: null,
      force_hosts: [],
      force_nodes: [],
      scheduler_hints: {},
      ignore_hosts: [],
      retry: { num_attempts: 1, hosts: [] },
    };
    await m.build_and_run_instance(adminContext(), { instance: failing, request_spec: spec, node: 'h1', admin_password: null });
    const stuck = lines.find((l) => l.msg === 'could not destroy what the failed spawn left on the hypervisor');
    assert.equal(stuck?.instance, inst.uuid);
    assert.equal(stuck?.err, `cannot remove ${inst.uuid}`);
  });
});

describe('compute manager: outages are not mistaken for deletions', () => {
  const spec = (inst: InstanceDTO): RequestSpec => ({
    instance_uuids: [inst.uuid],
    num_instances: 1,
    project_id: inst.project_id,
    user_id: inst.user_id,
    flavor: inst.flavor,
    image: { id: 'img', properties: {} },
    availability_zone: null,
    force_hosts: [],
    force_nodes: [],
    scheduler_hints: {},
    ignore_hosts: [],
    retry: { num_attempts: 1, hosts: [] },
  });

  it('a final update that fails with an outage after retries keeps the guest (the heal records it later)', async () => {
    const { log, lines } = capturingLogger();
    const inst = testInstance('vm', { id: 'img', properties: {} }, 'h1');
    const driver = new FakeDriver({ ...fakeOpts, hostname: `h-outage-${inst.uuid}` });
    let updates = 0;
    const released: string[] = [];
    const m = manager(
      conductor({
        instance_update: async () => {
          updates++;
          if (updates === 1) return inst;
          throw new MessagingTimeout('Timed out waiting for a reply');
        },
        allocations_release: async (_c, a) => void released.push(a.uuid),
      }),
      driver,
      log,
    );
    await m.build_and_run_instance(adminContext(), { instance: inst, request_spec: spec(inst), node: 'h1', admin_password: null });
    assert.deepEqual(await driver.listInstances(), [inst.uuid], 'the guest is kept');
    assert.deepEqual(released, [], 'the claim is kept');
    assert.ok(lines.some((l) => l.msg.startsWith('could not record the finished build')));
  });

  it('the same build delivered twice while it runs is built once: the guest is kept, the claim too', async () => {
    const { log, lines } = capturingLogger();
    const inst = testInstance('vm', { id: 'img', properties: {} }, 'h1');
    const driver = new FakeDriver({ ...fakeOpts, hostname: `h-twice-${inst.uuid}` });
    const released: string[] = [];
    let first = true;
    const m = manager(
      conductor({
        // The start guard lets the second through (the same write already applied), as the database does; the first start waits a little.
        instance_update: async () => {
          if (first) {
            first = false;
            await new Promise((r) => setTimeout(r, 50));
          }
          return inst;
        },
        allocations_release: async (_c, a) => void released.push(a.uuid),
        instance_fault_create: async () => undefined,
        action_event_finish: async () => undefined,
        reschedule_instance: async () => undefined,
      }),
      driver,
      log,
    );
    const args = { instance: inst, request_spec: spec(inst), node: 'h1', admin_password: null };
    await Promise.all([m.build_and_run_instance(adminContext(), args), m.build_and_run_instance(adminContext(), args)]);
    assert.deepEqual(await driver.listInstances(), [inst.uuid], 'the guest runs');
    assert.deepEqual(released, [], 'the claim is kept');
    assert.ok(lines.some((l) => l.msg.startsWith('build request delivered again')));
  });

  it('an instance deleted while spawning is cleaned up (InstanceNotFound is an answer)', async () => {
    const { log } = capturingLogger();
    const inst = testInstance('vm', { id: 'img', properties: {} }, 'h1');
    const driver = new FakeDriver({ ...fakeOpts, hostname: `h-gone-${inst.uuid}` });
    let updates = 0;
    const released: string[] = [];
    const m = manager(
      conductor({
        instance_update: async () => {
          updates++;
          if (updates === 1) return inst;
          throw InstanceNotFound.of(inst.uuid);
        },
        allocations_release: async (_c, a) => void released.push(a.uuid),
      }),
      driver,
      log,
    );
    await m.build_and_run_instance(adminContext(), { instance: inst, request_spec: spec(inst), node: 'h1', admin_password: null });
    assert.deepEqual(await driver.listInstances(), []);
    assert.deepEqual(released, [inst.uuid]);
  });

  it('retries a conductor call through an outage and goes on once it answers', async () => {
    let calls = 0;
    const api = conductor({
      instance_get: async () => {
        calls++;
        if (calls < 3) throw new DBConnectionError('The database is unavailable: ECONNREFUSED');
        return testInstance('vm', { id: 'img', properties: {} }, 'h1');
      },
    });
    const resilient = withRetries<ConductorAPI>(api, CONDUCTOR_METHODS, { deadlineMs: 5000, firstDelayMs: 10, service: 'nova-conductor' });
    const got = await resilient.instance_get(adminContext(), { uuid: 'x' });
    assert.equal(calls, 3);
    assert.equal(got.display_name, 'vm');
    await assert.rejects(
      withRetries<ConductorAPI>(conductor({ instance_get: async () => Promise.reject(InstanceNotFound.of('x')) }), CONDUCTOR_METHODS, {
        deadlineMs: 5000,
        service: 'c',
      }).instance_get(adminContext(), { uuid: 'x' }),
      InstanceNotFound,
    );
  });
});
