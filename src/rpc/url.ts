import { ConfigError } from '../exception/base.ts';

export interface BrokerHost {
  host: string;
  port: number;
  username: string;
  password: string;
}

export interface TransportUrl {
  scheme: 'memory' | 'rabbit';
  hosts: BrokerHost[];
  virtualHost: string;
  raw: string;
}

/**
 * Parse an oslo.messaging transport URL:
 * `memory://[name]`, or `rabbit://user:pass@host:port[,user:pass@host2:port]/vhost`
 * (`amqp://` is accepted as a synonym of `rabbit://`).
 */
export function parseTransportUrl(raw: string): TransportUrl {
  const m = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/i.exec(raw.trim());
  if (!m) throw new ConfigError(`[DEFAULT] transport_url: '${raw}' is not a URL (expected memory:// or rabbit://user:pass@host:5672/)`);
  const scheme = (m[1] as string).toLowerCase();
  const rest = m[2] as string;
  if (scheme === 'memory') return { scheme: 'memory', hosts: [], virtualHost: rest.replace(/^\/+/, ''), raw };
  if (scheme !== 'rabbit' && scheme !== 'amqp') {
    throw new ConfigError(`[DEFAULT] transport_url: unsupported scheme '${scheme}://' (use memory:// or rabbit://)`);
  }
  const slash = rest.indexOf('/');
  const hostPart = slash >= 0 ? rest.slice(0, slash) : rest;
  const vhostRaw = slash >= 0 ? (rest.slice(slash + 1).split('?')[0] ?? '') : '';
  const hosts: BrokerHost[] = [];
  for (const item of hostPart.split(',')) {
    if (item === '') continue;
    const at = item.lastIndexOf('@');
    const cred = at >= 0 ? item.slice(0, at) : '';
    const addr = at >= 0 ? item.slice(at + 1) : item;
    const colon = cred.indexOf(':');
    const username = decodeURIComponent(colon >= 0 ? cred.slice(0, colon) : cred) || 'guest';
    const password = decodeURIComponent(colon >= 0 ? cred.slice(colon + 1) : '') || (cred ? '' : 'guest');
    const hm = /^(\[[^\]]+\]|[^:]*)(?::(\d+))?$/.exec(addr);
    if (!hm) throw new ConfigError(`[DEFAULT] transport_url: bad host '${addr}'`);
    const host = (hm[1] as string).replace(/^\[|\]$/g, '') || 'localhost';
    const port = hm[2] ? Number(hm[2]) : 5672;
    if (port < 1 || port > 65535) throw new ConfigError(`[DEFAULT] transport_url: bad port in '${addr}'`);
    hosts.push({ host, port, username, password });
  }
  if (hosts.length === 0) hosts.push({ host: 'localhost', port: 5672, username: 'guest', password: 'guest' });
  return { scheme: 'rabbit', hosts, virtualHost: vhostRaw === '' ? '/' : decodeURIComponent(vhostRaw), raw };
}

export function describeTransportUrl(u: TransportUrl): string {
  if (u.scheme === 'memory') return u.raw;
  const hosts = u.hosts.map((h) => `${h.username}:****@${h.host}:${h.port}`).join(',');
  return `rabbit://${hosts}/${u.virtualHost === '/' ? '' : encodeURIComponent(u.virtualHost)}`;
}
