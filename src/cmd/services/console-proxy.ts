import type { NovaConfig } from '../../conf/loader.ts';
import { novncProxy } from '../../console/novnc.ts';
import type { ConsoleProxy } from '../../console/relay.ts';
import { serialProxy } from '../../console/serial.ts';
import { spiceProxy } from '../../console/spice.ts';
import { consoleAuthRpcApi } from '../../consoleauth/rpcapi.ts';
import { ConfigError } from '../../exception/base.ts';
import { readTls } from '../../http/tls.ts';
import type { Logger } from '../../log.ts';
import type { Transport } from '../../rpc/transport.ts';

/** Which proxy: nova-novncproxy, nova-serialproxy or nova-spicehtml5proxy. */
export type ConsoleProxyKind = 'novnc' | 'serial' | 'spice';

/** A console proxy daemon: the bus (for nova-consoleauth's check_token) and its HTTP/websocket server. No database. */
export interface ConsoleProxyService {
  readonly proxy: ConsoleProxy;
  start(): Promise<void>;
  stop(): Promise<void>;
}

const BUILDERS = { novnc: novncProxy, serial: serialProxy, spice: spiceProxy } as const;

/** nova-novncproxy, nova-serialproxy or nova-spicehtml5proxy. Like Nova's, they do not register in the services table. */
export function consoleProxyService(kind: ConsoleProxyKind, conf: NovaConfig, transport: Transport, log: Logger): ConsoleProxyService {
  // A browser is waiting on the upgrade: do not hold it for the whole rpc_response_timeout.
  const consoleauth = consoleAuthRpcApi(transport, Math.min(conf.DEFAULT.rpc_response_timeout, 15) * 1000);
  const tls = readTls(conf.DEFAULT.cert, conf.DEFAULT.key, '[DEFAULT] cert', '[DEFAULT] key');
  if (conf.DEFAULT.ssl_only && !tls) throw new ConfigError('[DEFAULT] ssl_only is set but [DEFAULT] cert is not: the console proxies have no certificate to serve TLS with');
  const proxy = BUILDERS[kind](conf, consoleauth, log, tls);
  return {
    proxy,
    async start() {
      await transport.connect();
      await proxy.start();
    },
    stop: () => proxy.stop(),
  };
}
