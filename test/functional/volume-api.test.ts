import { runVolumeApiSuite } from './volume-api.case.ts';
import { startVolumeApi } from './volume-harness.ts';

runVolumeApiSuite('SQLite', () => startVolumeApi());
