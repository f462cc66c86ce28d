// The served zone as one master file (pure): what `records` prints and the golden files hold. The apex
// SOA and NS come first, as a zone file starts; the other records are sorted (owner, then type, then
// value) so the text does not depend on generation order and a golden diff shows only real changes.
import { QType } from './constants.js';
import { masterFileLine, masterFileName } from './master-file.js';
import type { ResourceRecord } from './records.js';

export interface ZoneFile {
  /** One record per line, each ending in "\n"; empty when there are no records. */
  readonly text: string;
  readonly records: number;
  /** Records left out because a name in them has no wire form (zoneRecords already leaves those out). */
  readonly unprintable: number;
}

interface Line {
  readonly owner: string;
  readonly type: number;
  /** SRV: the target; otherwise the whole RDATA text. */
  readonly value: string;
  readonly port: number;
  readonly text: string;
}

/** Code-unit order, the same on every machine and locale. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A before AAAA before SRV (as the listing always had them), anything else after, by type number. */
function typeRank(type: number): number {
  return type === QType.A ? 0 : type === QType.AAAA ? 1 : type === QType.SRV ? 2 : 3 + type;
}

function compareLines(x: Line, y: Line): number {
  return (
    compareText(x.owner, y.owner) ||
    typeRank(x.type) - typeRank(y.type) ||
    compareText(x.value, y.value) ||
    x.port - y.port ||
    compareText(x.text, y.text)
  );
}

function isApexRecord(rr: ResourceRecord): boolean {
  return rr.type === QType.SOA || rr.type === QType.NS;
}

export function formatZoneFile(records: Iterable<ResourceRecord>): ZoneFile {
  const head: string[] = [];
  const body: Line[] = [];
  let unprintable = 0;
  for (const rr of records) {
    const text = masterFileLine(rr);
    if (text === undefined) {
      unprintable++;
      continue;
    }
    if (isApexRecord(rr)) {
      head.push(text);
      continue;
    }
    const owner = text.slice(0, text.indexOf(' '));
    const srv = rr.type === QType.SRV;
    body.push({ owner, type: rr.type, value: srv ? (masterFileName(rr.target) as string) : text.slice(text.lastIndexOf(' ') + 1), port: srv ? rr.port : 0, text });
  }
  body.sort(compareLines);
  const lines = [...head, ...body.map((line) => line.text)];
  return { text: lines.length === 0 ? '' : `${lines.join('\n')}\n`, records: lines.length, unprintable };
}
