// The `nameserver` lines of resolv.conf(5), for the Resolvers fallback (behaviour §8 #35). Pure.

import { canonicalIp } from '../net/ip-text.js';
import { joinHostPort } from '../net/host-port.js';

export interface ResolvConfServer {
  /** Canonical IP, with "%zone" kept for link-local IPv6. */
  readonly ip: string;
  /** "ip:53" ("[v6]:53" for IPv6). */
  readonly address: string;
}

export interface ResolvConf {
  readonly servers: readonly ResolvConfServer[];
  /** nameserver values that are not IP addresses (resolv.conf allows only addresses). */
  readonly invalid: readonly string[];
}

export function parseResolvConf(text: string): ResolvConf {
  const servers: ResolvConfServer[] = [];
  const invalid: string[] = [];
  const seen = new Set<string>();
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.replace(/[#;].*$/, '').trim();
    const fields = line.split(/\s+/);
    if (fields[0] !== 'nameserver') continue;
    const value = fields[1];
    if (value === undefined) continue;
    const percent = value.indexOf('%');
    const bare = percent >= 0 ? value.slice(0, percent) : value;
    const zone = percent >= 0 ? value.slice(percent) : '';
    const ip = canonicalIp(bare);
    if (!ip || (zone !== '' && (ip.family !== 6 || zone.length < 2))) {
      invalid.push(value);
      continue;
    }
    const text = ip.text + zone;
    if (seen.has(text)) continue;
    seen.add(text);
    servers.push({ ip: text, address: joinHostPort(text, 53) });
  }
  return { servers, invalid };
}
