import type { NovaConfig } from '../conf/loader.ts';
import { ConfigError } from '../exception/base.ts';
import type { Logger } from '../log.ts';
import { isDriverCapability } from '../objects/compute-node.ts';
import type { ComputeDriver, DriverCapabilities } from './driver.ts';
import type { ImageSource } from './images.ts';

/** What nova-compute hands a driver besides its configuration. */
export interface DriverContext {
  /** Where image data comes from (the image service); drivers that need images fall back to their own source without it. */
  imageSource?: ImageSource;
}

type DriverFactory = (conf: NovaConfig, host: string, log: Logger, ctx: DriverContext) => Promise<ComputeDriver>;

/** The capabilities known of a driver class before one is built (Nova's class-level ComputeDriver.capabilities). */
export type ClassCapabilities = Pick<DriverCapabilities, 'has_imagecache'>;

/** One `compute_driver` choice: its class capabilities and how to build it. */
export interface DriverClass {
  /** `has_imagecache`: nova-compute gives the driver an image source (the image service). */
  readonly capabilities: ClassCapabilities;
  readonly create: DriverFactory;
}

/** Drivers by `compute_driver` name (Nova's spelling and a short alias). Loaded on demand. */
const DRIVERS: Record<string, DriverClass> = {
  'fake.FakeDriver': {
    capabilities: { has_imagecache: false },
    create: async (conf, host) => {
      const { FakeDriver } = await import('./fake/driver.ts');
      const f = conf.fake;
      return new FakeDriver({
        hostname: host,
        vcpus: f.vcpus,
        memoryMb: f.memory_mb,
        localGb: f.local_gb,
        spawnDelayMs: f.spawn_delay_ms,
        spawnFailureRate: f.spawn_failure_rate,
        disabledCapabilities: f.disabled_capabilities.filter(isDriverCapability),
        guestsFile: f.guests_file ? f.guests_file.replace(/%\(host\)s/g, host) : null,
        liveMigrationMs: f.live_migration_ms,
      });
    },
  },
  'qemu.QemuDriver': {
    capabilities: { has_imagecache: true },
    create: async (conf, host, log, ctx) => {
      const { QemuDriver } = await import('./qemu/driver.ts');
      return new QemuDriver({ conf, host, log, ...(ctx.imageSource ? { imageSource: ctx.imageSource } : {}) });
    },
  },
};
const ALIASES: Record<string, string> = { fake: 'fake.FakeDriver', qemu: 'qemu.QemuDriver' };

/** Extra drivers (tests) register themselves here from their own module. */
export function registerDriver(name: string, alias: string, create: DriverFactory, capabilities: ClassCapabilities = { has_imagecache: false }): void {
  DRIVERS[name] = { capabilities, create };
  ALIASES[alias] = name;
}

export function driverNames(): string[] {
  return [...Object.keys(DRIVERS), ...Object.keys(ALIASES)];
}

/** The driver class a `compute_driver` value names; ConfigError for an unknown one. */
export function driverClass(name: string): DriverClass {
  const entry = DRIVERS[ALIASES[name] ?? name];
  if (!entry) throw new ConfigError(`[DEFAULT] compute_driver: unknown driver '${name}' (known: ${driverNames().join(', ')})`);
  return entry;
}

/** Load the driver `[DEFAULT] compute_driver` names. */
export async function loadDriver(conf: NovaConfig, host: string, log: Logger, ctx: DriverContext = {}): Promise<ComputeDriver> {
  return driverClass(conf.DEFAULT.compute_driver).create(conf, host, log, ctx);
}
