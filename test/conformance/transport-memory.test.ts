import { MemoryTransport } from '../../src/rpc/memory.ts';
import { uniqueName } from '../support/backends.ts';
import { runTransportSuite } from './transport.case.ts';

runTransportSuite('memory://', async () => {
  const url = `memory:///${uniqueName('bus')}`;
  return { make: async () => new MemoryTransport(url), cleanup: async () => {} };
});
