// An IP address with a port, as resolver and secondary addresses are written (pure): "ip",
// "ip:port", "[v6]", "[v6]:port" or a bare IPv6 address. No host names.
import { isIP } from 'node:net';
import type { IpFamily } from './ip-text.js';
import { parsePort } from './host-port.js';

export interface IpPort {
  /** The IP as written, without brackets (a "%zone" kept). */
  readonly host: string;
  readonly port: number;
  readonly family: IpFamily;
}

/** The host text and the port text (undefined when none is written), or undefined when the form is wrong. */
export function splitIpPort(text: string): { readonly host: string; readonly port: string | undefined } | undefined {
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) return undefined;
    const rest = text.slice(close + 1);
    if (rest !== '' && !rest.startsWith(':')) return undefined;
    return { host: text.slice(1, close), port: rest === '' ? undefined : rest.slice(1) };
  }
  if (isIP(text) === 6) return { host: text, port: undefined };
  const colon = text.lastIndexOf(':');
  if (colon < 0) return { host: text, port: undefined };
  return { host: text.slice(0, colon), port: text.slice(colon + 1) };
}

/** The address, `defaultPort` where none is written; undefined for host names and bad ports. */
export function parseIpPort(text: string, defaultPort: number): IpPort | undefined {
  const split = splitIpPort(text);
  if (!split) return undefined;
  const family = isIP(split.host);
  if (family !== 4 && family !== 6) return undefined;
  const port = split.port === undefined ? defaultPort : parsePort(split.port);
  if (port === undefined) return undefined;
  return { host: split.host, port, family };
}
