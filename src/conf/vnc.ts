import { boolOpt, defineGroup, portOpt, strOpt } from './opt.ts';

/** `[vnc]`: VNC consoles, nova-novncproxy and nova-xvpvncproxy. */
export const vncGroup = defineGroup('vnc', 'VNC consoles, nova-novncproxy and nova-xvpvncproxy.', {
  enabled: boolOpt({ default: true, help: 'Give instances a VNC console.' }),
  server_listen: strOpt({ default: '127.0.0.1', help: 'Address guest VNC servers listen on.' }),
  server_proxyclient_address: strOpt({
    default: '127.0.0.1',
    help: 'Address of this compute host that the proxy connects to for guest VNC.',
  }),
  novncproxy_base_url: strOpt({
    default: 'http://127.0.0.1:6080/vnc_lite.html',
    help: 'Base URL handed to clients for the noVNC console (the page of nova-novncproxy; vnc_auto.html is served too, for old URLs). The token is appended as ?path=%3Ftoken%3D<token>.',
  }),
  novncproxy_host: strOpt({ default: '0.0.0.0', help: 'Address nova-novncproxy listens on.' }),
  novncproxy_port: portOpt({ default: 6080, help: 'Port nova-novncproxy listens on.' }),
  xvpvncproxy_base_url: strOpt({
    default: 'http://127.0.0.1:6081/console',
    help: 'Base URL handed to clients for the VNC console of native clients (type xvpvnc); the token is appended as ?token=<token>. nova-xvpvncproxy takes it in an HTTP CONNECT.',
  }),
  xvpvncproxy_host: strOpt({ default: '0.0.0.0', help: 'Address nova-xvpvncproxy listens on.' }),
  xvpvncproxy_port: portOpt({ default: 6081, help: 'Port nova-xvpvncproxy listens on.' }),
});
