import { boolOpt, defineGroup, listOpt, portOpt, strOpt } from './opt.ts';

/** `[console]`: options shared by the console proxies. */
export const consoleGroup = defineGroup('console', 'Options shared by the console proxies (nova-novncproxy, nova-serialproxy, nova-spicehtml5proxy).', {
  allowed_origins: listOpt({
    default: [],
    help: "Hostnames, besides the proxy's own (its Host header and its base URL), that a browser's Origin header may name when it opens a console websocket.",
  }),
});

/** `[serial_console]`: serial consoles and nova-serialproxy. */
export const serialConsoleGroup = defineGroup('serial_console', 'Serial consoles and nova-serialproxy.', {
  enabled: boolOpt({ default: false, help: 'Give out serial console URLs (as Nova, off by default).' }),
  base_url: strOpt({
    default: 'ws://127.0.0.1:6083/',
    help: 'Websocket URL handed to clients for serial consoles; the token is appended as ?token=<token>.',
  }),
  proxyclient_address: strOpt({ default: '127.0.0.1', help: 'Address of this compute host that nova-serialproxy connects to for guest serial consoles.' }),
  serialproxy_host: strOpt({ default: '0.0.0.0', help: 'Address nova-serialproxy listens on.' }),
  serialproxy_port: portOpt({ default: 6083, help: 'Port nova-serialproxy listens on.' }),
});

/** `[spice]`: SPICE consoles and nova-spicehtml5proxy. */
export const spiceGroup = defineGroup('spice', 'SPICE consoles and nova-spicehtml5proxy.', {
  enabled: boolOpt({ default: false, help: 'Give out SPICE console URLs (as Nova, off by default). The driver must also offer SPICE.' }),
  agent_enabled: boolOpt({ default: true, help: 'Enable the SPICE guest agent channel.' }),
  html5proxy_base_url: strOpt({
    default: 'http://127.0.0.1:6082/spice_auto.html',
    help: 'Base URL handed to clients for the spice-html5 console; the token is appended as ?token=<token>.',
  }),
  html5proxy_host: strOpt({ default: '0.0.0.0', help: 'Address nova-spicehtml5proxy listens on.' }),
  html5proxy_port: portOpt({ default: 6082, help: 'Port nova-spicehtml5proxy listens on.' }),
  html5_dir: strOpt({
    default: '/usr/share/spice-html5',
    help: "Directory of the spice-html5 client nova-spicehtml5proxy serves (Debian's spice-html5 package).",
  }),
  server_listen: strOpt({ default: '127.0.0.1', help: 'Address guest SPICE servers listen on.' }),
  server_proxyclient_address: strOpt({ default: '127.0.0.1', help: 'Address of this compute host that the proxy connects to for guest SPICE.' }),
});
