import { MemoryTransport } from '../rpc/memory.ts';
import { stopOnSignal } from '../service/launcher.ts';
import { requireCurrentVolumeSchema } from '../volume/db/migrate.ts';
import { authenticatorFromConfig } from './auth.ts';
import { main, setup } from './common.ts';
import { volumeService } from './services/volume.ts';
import { connectDb } from './wiring.ts';

/**
 * nova-volume: the volume service (Cinder v3 subset) as its own daemon,
 * with its volumes on this host ([volume_server] volume_driver). Its tables
 * live in `[database] connection` (run nova-manage db sync first). It uses
 * no message bus, so it gets a private in-process transport.
 */
main('nova-volume', async () => {
  const { conf, log } = setup('nova-volume');
  const db = (await connectDb(conf, log, { check: requireCurrentVolumeSchema })).db;
  const transport = new MemoryTransport('memory://nova-volume');
  const { service } = volumeService(conf, db, transport, log, authenticatorFromConfig(conf, log));
  await service.start();
  stopOnSignal([{ stop: () => db.close() }, { stop: () => transport.close() }, service], log);
});
