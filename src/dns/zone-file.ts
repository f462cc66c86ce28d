// The served zone as one master file (pure): what `records` prints and the golden files hold. The apex
// SOA and NS come first, as a zone file starts; the other records are sorted (owner, then type, then
// value) so the text does not depend on generation order and a golden diff shows only real changes.
import { QType } from '../wire/constants.js';
import { clampTtl } from './message-writer.js';
import { masterFileLine, masterFileName, masterFileRdata, typeMnemonic } from './master-file.js';
import type { ResourceRecord } from './records.js';

export interface ZoneFile {
  /** One record per line, each ending in "\n"; empty when there are no records. */
  readonly text: string;
  readonly records: number;
  /** Records left out because a name in them has no wire form (zoneRecords already leaves those out). */
  readonly unprintable: number;
}

/** Code-unit order, the same on every machine and locale. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A before AAAA before SRV (as the listing always had them), anything else after, in text order. */
const TYPE_RANK: Readonly<Record<string, number>> = { A: 0, AAAA: 1, SRV: 2 };

interface LineKey {
  readonly rank: number;
  readonly type: string;
  /** SRV: the target; otherwise the whole RDATA text. */
  readonly value: string;
  readonly port: number;
}

/** The sort key of "<owner> <ttl> IN <type> <rdata>" (no field holds a space, see master-file.ts). */
function lineKey(text: string): LineKey {
  const fields = text.split(' ');
  const type = fields[3] as string;
  const srv = type === 'SRV';
  return {
    rank: TYPE_RANK[type] ?? 3,
    type,
    value: srv ? (fields[7] as string) : fields.slice(4).join(' '),
    port: srv ? Number(fields[6]) : 0,
  };
}

/** Within one owner: type, then value (SRV: target, then port as a number), then the whole line. */
function compareLines(a: string, b: string): number {
  const x = lineKey(a);
  const y = lineKey(b);
  return x.rank - y.rank || compareText(x.type, y.type) || compareText(x.value, y.value) || x.port - y.port || compareText(a, b);
}

function isApexRecord(rr: ResourceRecord): boolean {
  return rr.type === QType.SOA || rr.type === QType.NS;
}

/**
 * The whole zone as text. Each owner's lines are sorted and joined into one block; blocks sort by
 * plain string order, which is owner order because an owner never holds a space (so "a. 60 ..." comes
 * before "a.b. 60 ...", as "a." before "a.b.") and no two blocks share an owner.
 */
export function formatZoneFile(records: Iterable<ResourceRecord>): ZoneFile {
  const head: string[] = [];
  const blocks: string[] = [];
  let current: string[] = [];
  let currentName: string | undefined;
  let currentOwner = '';
  let count = 0;
  let unprintable = 0;
  const closeBlock = (): void => {
    if (current.length > 1) current.sort(compareLines);
    if (current.length > 0) blocks.push(current.join('\n'));
    current = [];
  };
  for (const rr of records) {
    if (isApexRecord(rr)) {
      const text = masterFileLine(rr);
      if (text === undefined) unprintable++;
      else head.push(text);
      continue;
    }
    if (rr.name !== currentName) {
      closeBlock();
      currentName = rr.name;
      currentOwner = masterFileName(rr.name) ?? '';
    }
    const rdata = masterFileRdata(rr);
    if (currentOwner === '' || rdata === undefined) {
      unprintable++;
      continue;
    }
    current.push(`${currentOwner} ${clampTtl(rr.ttl)} IN ${typeMnemonic(rr.type)} ${rdata}`);
    count++;
  }
  closeBlock();
  blocks.sort();
  const parts = [...head, ...blocks];
  return { text: parts.length === 0 ? '' : `${parts.join('\n')}\n`, records: head.length + count, unprintable };
}
