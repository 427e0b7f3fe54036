// npm run bench [-- section ...]: prints the project's performance figures.
import { benchBoot } from './boot.ts';
import { benchMoves } from './moves.ts';
import { benchNetwork } from './network.ts';
import { benchQemu } from './qemu.ts';
import { benchRpc } from './rpc.ts';
import { benchScale } from './scale.ts';
import { benchWorkers } from './scale-workers.ts';
import { benchScheduler } from './scheduler.ts';
import { benchVolumes } from './volumes.ts';
import { benchWait } from './wait.ts';

const sections: Record<string, () => Promise<void>> = {
  rpc: benchRpc,
  boot: benchBoot,
  qemu: benchQemu,
  moves: benchMoves,
  network: benchNetwork,
  wait: benchWait,
  volumes: benchVolumes,
  scale: benchScale,
  workers: benchWorkers,
  scheduler: benchScheduler,
};

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
for (const name of wanted.length ? wanted : Object.keys(sections)) {
  const fn = sections[name];
  if (!fn) {
    console.error(`unknown section ${name}; choose from ${Object.keys(sections).join(', ')}`);
    process.exit(2);
  }
  await fn();
}
process.exit(0);
