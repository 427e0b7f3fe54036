/** Console URLs as Nova's ConsoleAuthToken.access_url builds them. */
import type { NovaConfig } from '../../../conf/loader.ts';
import type { ConsoleType } from '../../../objects/console-auth-token.ts';

/** The proxy base URL configured for a console type. */
export function consoleBaseUrl(conf: NovaConfig, type: ConsoleType): string {
  if (type === 'novnc') return conf.vnc.novncproxy_base_url;
  if (type === 'xvpvnc') return conf.vnc.xvpvncproxy_base_url;
  if (type === 'serial') return conf.serial_console.base_url;
  return conf.spice.html5proxy_base_url;
}

/**
 * The URL a client opens: noVNC takes the token inside its `path` parameter
 * (`vnc_lite.html?path=%3Ftoken%3D<t>`, since noVNC 1.1 dropped the top-level
 * token); the others take `?token=<t>`.
 */
export function consoleUrl(type: ConsoleType, base: string, token: string): string {
  const sep = base.includes('?') ? '&' : '?';
  const query = type === 'novnc' ? new URLSearchParams({ path: `?token=${token}` }).toString() : new URLSearchParams({ token }).toString();
  return `${base}${sep}${query}`;
}

/** Is the console type switched on in nova.conf ([vnc]/[serial_console]/[spice] enabled)? */
export function consoleEnabled(conf: NovaConfig, type: ConsoleType): boolean {
  if (type === 'novnc' || type === 'xvpvnc') return conf.vnc.enabled;
  if (type === 'serial') return conf.serial_console.enabled;
  return conf.spice.enabled;
}

/** GET /os-console-auth-tokens/{token} body. */
export function consoleAuthTokenView(info: { instance_uuid: string; host: string; port: number; internal_access_path: string | null }): Record<string, unknown> {
  return { console: { instance_uuid: info.instance_uuid, host: info.host, port: info.port, internal_access_path: info.internal_access_path } };
}
