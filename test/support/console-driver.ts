/**
 * A fake driver whose instances have consoles, for console tests: it
 * answers get_vnc/serial/spice_console with the endpoints a test sets in
 * {@link consoleEndpoints} (e.g. the sockets of a QEMU the test started),
 * and ConsoleTypeUnavailable for the others. Select it with
 * `[DEFAULT] compute_driver = consoletest.ConsoleFakeDriver`.
 */
import { ConsoleTypeUnavailable } from '../../src/exception/virt.ts';
import type { ConsoleType } from '../../src/objects/console-auth-token.ts';
import type { InstanceDTO } from '../../src/objects/instance.ts';
import type { ConsoleEndpoint, DriverCapabilities } from '../../src/virt/driver.ts';
import { FakeDriver } from '../../src/virt/fake/driver.ts';
import { registerDriver } from '../../src/virt/registry.ts';

export const CONSOLE_DRIVER = 'consoletest.ConsoleFakeDriver';

/** The console endpoints every instance of the driver has, by console type. */
export const consoleEndpoints = new Map<ConsoleType, ConsoleEndpoint>();

class ConsoleFakeDriver extends FakeDriver {
  override readonly capabilities: DriverCapabilities = {
    ...new FakeDriver({ hostname: 'capabilities', vcpus: 1, memoryMb: 1, localGb: 1, spawnDelayMs: 0, spawnFailureRate: 0 }).capabilities,
    supports_vnc_console: true,
    supports_serial_console: true,
    supports_spice_console: true,
  };

  private async endpoint(instance: InstanceDTO | undefined, type: ConsoleType): Promise<ConsoleEndpoint> {
    if (instance) await this.getInfo(instance);
    const e = consoleEndpoints.get(type);
    if (!e) throw ConsoleTypeUnavailable.of(type);
    return e;
  }

  override getVncConsole(instance?: InstanceDTO): Promise<ConsoleEndpoint> {
    return this.endpoint(instance, 'novnc');
  }
  override getSerialConsole(instance?: InstanceDTO): Promise<ConsoleEndpoint> {
    return this.endpoint(instance, 'serial');
  }
  override getSpiceConsole(instance?: InstanceDTO): Promise<ConsoleEndpoint> {
    return this.endpoint(instance, 'spice-html5');
  }
}

registerDriver(CONSOLE_DRIVER, 'consolefake', async (conf, host) => {
  const f = conf.fake;
  return new ConsoleFakeDriver({
    hostname: host,
    vcpus: f.vcpus,
    memoryMb: f.memory_mb,
    localGb: f.local_gb,
    spawnDelayMs: f.spawn_delay_ms,
    spawnFailureRate: f.spawn_failure_rate,
  });
});
