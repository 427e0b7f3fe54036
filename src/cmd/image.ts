import { requireCurrentImageSchema } from '../image/db/migrate.ts';
import { MemoryTransport } from '../rpc/memory.ts';
import { stopOnSignal } from '../service/launcher.ts';
import { authenticatorFromConfig } from './auth.ts';
import { main, setup } from './common.ts';
import { imageService } from './services/image.ts';
import { connectDb } from './wiring.ts';

/**
 * nova-image: the image service (Glance v2 subset) as its own daemon. Its
 * tables live in `[database] connection` (run nova-manage db sync first); its
 * data under `[glance_store] filesystem_store_datadir`. It uses no message
 * bus, so it gets a private in-process transport.
 */
main('nova-image', async () => {
  const { conf, log } = setup('nova-image');
  const db = (await connectDb(conf, log, { check: requireCurrentImageSchema })).db;
  const transport = new MemoryTransport('memory://nova-image');
  const { service } = imageService(conf, db, transport, log, authenticatorFromConfig(conf, log));
  await service.start();
  stopOnSignal([{ stop: () => db.close() }, { stop: () => transport.close() }, service], log);
});
