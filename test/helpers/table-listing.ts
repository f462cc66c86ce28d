// Every stored value of a table, one per line in zone-file style, sorted (names, then type, then value):
// for tests that compare two tables whole, including what DNS does not serve (non-IP agent host
// text, names without a wire form). What is served, and printed by `records`, is src/dns/zone.ts.
import { splitSrvValue } from '../../src/records/srv-value.js';
import type { RecordTable } from '../../src/records/table.js';

export interface TableListingOptions {
  readonly ttl: number;
  readonly srvWeight: number;
}

/** Code-unit order, the same on every machine and locale. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** SRV values by target, then numerically by port (80 before 443). */
function compareSrv(a: string, b: string): number {
  const x = splitSrvValue(a);
  const y = splitSrvValue(b);
  return compareText(x.target, y.target) || Number(x.port) - Number(y.port) || compareText(x.port, y.port);
}

export function formatTableListing(table: RecordTable, options: TableListingOptions): string {
  const entries = [...table.entries()].sort((x, y) => compareText(x[0], y[0]));
  const lines: string[] = [];
  for (const [name, records] of entries) {
    const prefix = `${name} ${options.ttl} IN`;
    for (const a of [...records.a].sort(compareText)) lines.push(`${prefix} A ${a}`);
    for (const aaaa of [...records.aaaa].sort(compareText)) lines.push(`${prefix} AAAA ${aaaa}`);
    for (const srv of [...records.srv].sort(compareSrv)) {
      const { target, port } = splitSrvValue(srv);
      lines.push(`${prefix} SRV 0 ${options.srvWeight} ${port} ${target}`);
    }
    for (const ptr of [...records.ptr].sort(compareText)) lines.push(`${prefix} PTR ${ptr}`);
    for (const cname of records.cname) lines.push(`${prefix} CNAME ${cname}`);
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
