/**
 * nova-serialproxy: websocket ↔ the guest's serial console (raw bytes both
 * ways, subprotocol `binary`), at `[serial_console] base_url`
 * (`ws://…:6083/?token=<t>`). No web page: clients speak websocket.
 */
import type { NovaConfig } from '../conf/loader.ts';
import type { ConsoleAuthAPI } from '../consoleauth/rpc-types.ts';
import type { TlsFiles } from '../http/tls.ts';
import type { Logger } from '../log.ts';
import { ConsoleProxy } from './relay.ts';
import { sendText } from './static.ts';

/** The nova-serialproxy server on `[serial_console] serialproxy_host:serialproxy_port`. */
export function serialProxy(conf: NovaConfig, consoleauth: Pick<ConsoleAuthAPI, 'check_token'>, log: Logger, tls: TlsFiles | null = null): ConsoleProxy {
  const c = conf.serial_console;
  return new ConsoleProxy({
    name: 'nova-serialproxy',
    consoleType: 'serial',
    listenHost: c.serialproxy_host,
    listenPort: c.serialproxy_port,
    baseUrl: c.base_url,
    allowedOrigins: conf.console.allowed_origins,
    consoleauth,
    log,
    tls,
    serveHttp: (_req, res) => sendText(res, 400, 'nova-serialproxy speaks websocket only: open ws://<host>:<port>/?token=<token>'),
  });
}
