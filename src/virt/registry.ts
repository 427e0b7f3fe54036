import type { NovaConfig } from '../conf/loader.ts';
import { ConfigError } from '../exception/base.ts';
import type { Logger } from '../log.ts';
import type { ComputeDriver } from './driver.ts';
import type { ImageSource } from './images.ts';

/** What nova-compute hands a driver besides its configuration. */
export interface DriverContext {
  /** Where image data comes from (the image service); drivers that need images fall back to their own source without it. */
  imageSource?: ImageSource;
}

type DriverFactory = (conf: NovaConfig, host: string, log: Logger, ctx: DriverContext) => Promise<ComputeDriver>;

/** Drivers by `compute_driver` name (Nova's spelling and a short alias). Loaded on demand. */
const DRIVERS: Record<string, DriverFactory> = {
  'fake.FakeDriver': async (conf, host) => {
    const { FakeDriver } = await import('./fake/driver.ts');
    const f = conf.fake;
    return new FakeDriver({ hostname: host, vcpus: f.vcpus, memoryMb: f.memory_mb, localGb: f.local_gb, spawnDelayMs: f.spawn_delay_ms, spawnFailureRate: f.spawn_failure_rate });
  },
  'qemu.QemuDriver': async (conf, host, log, ctx) => {
    const { QemuDriver } = await import('./qemu/driver.ts');
    return new QemuDriver({ conf, host, log, ...(ctx.imageSource ? { imageSource: ctx.imageSource } : {}) });
  },
};
const ALIASES: Record<string, string> = { fake: 'fake.FakeDriver', qemu: 'qemu.QemuDriver' };

/** Extra drivers (qemu) register themselves here from their own module. */
export function registerDriver(name: string, alias: string, factory: DriverFactory): void {
  DRIVERS[name] = factory;
  ALIASES[alias] = name;
}

export function driverNames(): string[] {
  return [...Object.keys(DRIVERS), ...Object.keys(ALIASES)];
}

/** Load the driver `[DEFAULT] compute_driver` names. */
export async function loadDriver(conf: NovaConfig, host: string, log: Logger, ctx: DriverContext = {}): Promise<ComputeDriver> {
  const name = conf.DEFAULT.compute_driver;
  const factory = DRIVERS[ALIASES[name] ?? name];
  if (!factory) throw new ConfigError(`[DEFAULT] compute_driver: unknown driver '${name}' (known: ${driverNames().join(', ')})`);
  return factory(conf, host, log, ctx);
}
