// The whole table in zone-file style, one record per line, sorted: what `records` prints and what the
// golden files hold. Sorting makes the listing independent of generation order.
import type { RecordTable } from './table.js';

export interface ZoneListingOptions {
  readonly ttl: number;
  readonly srvWeight: number;
}

/** Split a stored SRV value "target:port" at its last colon. */
export function splitSrvValue(value: string): { target: string; port: string } {
  const colon = value.lastIndexOf(':');
  return colon < 0 ? { target: value, port: '' } : { target: value.slice(0, colon), port: value.slice(colon + 1) };
}

export function formatZoneListing(table: RecordTable, options: ZoneListingOptions): string {
  const lines: string[] = [];
  for (const [name, records] of table.entries()) {
    const prefix = `${name} ${options.ttl} IN`;
    for (const a of [...records.a].sort()) lines.push(`${prefix} A ${a}`);
    for (const aaaa of [...records.aaaa].sort()) lines.push(`${prefix} AAAA ${aaaa}`);
    for (const srv of [...records.srv].sort()) {
      const { target, port } = splitSrvValue(srv);
      lines.push(`${prefix} SRV 0 ${options.srvWeight} ${port} ${target}`);
    }
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
