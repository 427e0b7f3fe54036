/** The console types Nova's proxies serve (xvpvnc: VNC for native clients through nova-xvpvncproxy). */
export type ConsoleType = 'novnc' | 'xvpvnc' | 'serial' | 'spice-html5';

/** Every console type, for validation. */
export const CONSOLE_TYPES: readonly ConsoleType[] = ['novnc', 'xvpvnc', 'serial', 'spice-html5'];

/**
 * What a console token grants (Nova's ConsoleAuthToken without the token):
 * one console of one instance, reached at `host:port`, or at the unix socket
 * `internal_access_path` on the compute host when `port` is 0.
 */
export interface ConsoleConnectInfo {
  instance_uuid: string;
  console_type: ConsoleType;
  host: string;
  port: number;
  internal_access_path: string | null;
  /** The base URL the token was issued for (the proxy checks the Origin's scheme against it). */
  access_url_base: string | null;
  /** UNIX time (seconds) at which the token stops being valid. */
  expires: number;
}
