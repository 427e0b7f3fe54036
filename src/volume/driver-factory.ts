/**
 * The volume driver `[volume_server] volume_driver` names, loaded when the
 * service starts (the file driver's module is imported only then).
 */
import type { NovaConfig } from '../conf/loader.ts';
import type { Logger } from '../log.ts';
import type { VolumeDriver } from './driver.ts';

type FileDriverModule = Pick<typeof import('./file-driver/index.ts'), 'createFileDriver' | 'fileDriverOptions'>;

export async function createVolumeDriver(conf: NovaConfig, log: Logger): Promise<VolumeDriver> {
  const name = conf.volume_server.volume_driver;
  if (name === 'file') {
    // A computed specifier: the module is loaded only when the file driver is chosen (also from dist/).
    const specifier = new URL(`./file-driver/index${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url).href;
    const mod: FileDriverModule = await import(specifier);
    return mod.createFileDriver({ ...mod.fileDriverOptions(conf, conf.volume_server.volume_backend_name), log });
  }
  throw new Error(`unknown [volume_server] volume_driver ${name}`);
}

/**
 * A driver that is loaded by its first init() (the service's start) and
 * then passes every call on: the service is built synchronously, the
 * driver's module is imported only when the service starts.
 */
export function lazyVolumeDriver(load: () => Promise<VolumeDriver>): VolumeDriver {
  let real: VolumeDriver | undefined;
  const get = (): VolumeDriver => {
    if (!real) throw new Error('the volume driver is not initialized yet');
    return real;
  };
  return {
    async init() {
      real ??= await load();
      await real.init();
    },
    createVolume: (...a) => get().createVolume(...a),
    deleteVolume: (...a) => get().deleteVolume(...a),
    extendVolume: (...a) => get().extendVolume(...a),
    createSnapshot: (...a) => get().createSnapshot(...a),
    deleteSnapshot: (...a) => get().deleteSnapshot(...a),
    exportVolume: (...a) => get().exportVolume(...a),
    unexportVolume: (...a) => get().unexportVolume(...a),
    copyVolumeToFile: (...a) => get().copyVolumeToFile(...a),
    volumeSize: (...a) => get().volumeSize(...a),
    stats: () => get().stats(),
    close: async () => {
      await real?.close();
    },
  };
}
