import { runNetworkApiSuite } from './network-api.case.ts';
import { startNetworkApi } from './network-harness.ts';

runNetworkApiSuite('SQLite', () => startNetworkApi());
