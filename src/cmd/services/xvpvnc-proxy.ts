import type { NovaConfig } from '../../conf/loader.ts';
import { type XvpVncProxy, xvpVncProxy } from '../../console/xvpvnc.ts';
import { consoleAuthRpcApi } from '../../consoleauth/rpcapi.ts';
import type { Logger } from '../../log.ts';
import type { Transport } from '../../rpc/transport.ts';

/** nova-xvpvncproxy: the bus (nova-consoleauth's check_token) and its TCP server. No database; not in the services table, as Nova's. */
export function xvpVncProxyService(conf: NovaConfig, transport: Transport, log: Logger): { proxy: XvpVncProxy; start(): Promise<void>; stop(): Promise<void> } {
  // A client waits on its CONNECT: do not hold it for the whole rpc_response_timeout.
  const consoleauth = consoleAuthRpcApi(transport, Math.min(conf.DEFAULT.rpc_response_timeout, 15) * 1000);
  const proxy = xvpVncProxy(conf, consoleauth, log);
  return {
    proxy,
    async start() {
      await transport.connect();
      await proxy.start();
    },
    stop: () => proxy.stop(),
  };
}
