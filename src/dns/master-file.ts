// Resource records as RFC 1035 master-file text (pure), one line each, with every field exactly as the
// wire writer (message-writer.ts) puts it on the wire: a real authoritative server that loads the line
// serves the same octets we do. Names are re-spelt from their wire labels, so a stored name's escapes
// (`\.`, `\DDD`) and raw characters (spaces, UTF-8) come out in one unambiguous form.
import { QType } from '../wire/constants.js';
import { clampTtl } from './message-writer.js';
import { parseName } from './names.js';
import type { ResourceRecord } from './records.js';
import { formatIPv4Octets, formatIPv6Octets } from '../net/ip-text.js';

const BACKSLASH = '\\';

/**
 * One label's octets in master-file syntax (RFC 1035 §5.1, RFC 4343 §2.1): letters, digits, '-' and
 * '_' as they are; other printable ASCII as `\X` (`\.` `\\` `\"` `\(` `\)` `\;` `\@` `\$` ...); space,
 * control octets, DEL and every octet above 0x7f (UTF-8 bytes) as `\DDD`. No field ever holds
 * white space, so tools that split a line on blanks read it right too.
 */
export function masterFileLabel(label: Uint8Array): string {
  let text = '';
  for (const b of label) {
    const isPlain =
      (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x2d || b === 0x5f;
    if (isPlain) text += String.fromCharCode(b);
    else if (b > 0x20 && b < 0x7f) text += BACKSLASH + String.fromCharCode(b);
    else text += BACKSLASH + String(b).padStart(3, '0');
  }
  return text;
}

const MAX_LABEL_OCTETS = 63;
const MAX_NAME_TEXT = 254;

/**
 * Whether the name is already its own master-file text: only letters, digits, '-' and '_' in labels of
 * 1 to 63 octets, with the trailing dot, at most 255 octets on the wire. Most stored names are; this
 * spares them the parse.
 */
function isPlainName(name: string): boolean {
  const n = name.length;
  if (n < 2 || n > MAX_NAME_TEXT || name.charCodeAt(n - 1) !== 0x2e) return false;
  let labelStart = 0;
  for (let i = 0; i < n; i++) {
    const c = name.charCodeAt(i);
    if (c === 0x2e) {
      const length = i - labelStart;
      if (length === 0 || length > MAX_LABEL_OCTETS) return false;
      labelStart = i + 1;
    } else if (!((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x2d || c === 0x5f)) {
      return false;
    }
  }
  return true;
}

/**
 * A presentation-form name (as the table stores it, see names.ts parseName) as an absolute
 * master-file name with the trailing dot; undefined when the name has no wire form.
 */
export function masterFileName(name: string): string | undefined {
  if (isPlainName(name)) return name;
  const parsed = parseName(name);
  if (!parsed) return undefined;
  if (parsed.labels.length === 0) return '.';
  return `${parsed.labels.map(masterFileLabel).join('.')}.`;
}

/** The text of a record's type, as the line shows it. */
export function typeMnemonic(type: ResourceRecord['type']): string {
  switch (type) {
    case QType.A:
      return 'A';
    case QType.AAAA:
      return 'AAAA';
    case QType.SRV:
      return 'SRV';
    case QType.SOA:
      return 'SOA';
    case QType.NS:
      return 'NS';
    case QType.PTR:
      return 'PTR';
    case QType.CNAME:
      return 'CNAME';
  }
}

/** The RDATA fields of a record as text; undefined when a name in it has no wire form. */
export function masterFileRdata(rr: ResourceRecord): string | undefined {
  switch (rr.type) {
    case QType.A:
      return formatIPv4Octets(rr.address);
    case QType.AAAA:
      return formatIPv6Octets(rr.address);
    case QType.SRV: {
      const target = masterFileName(rr.target);
      return target && `${rr.priority & 0xffff} ${rr.weight & 0xffff} ${rr.port & 0xffff} ${target}`;
    }
    case QType.SOA: {
      const mname = masterFileName(rr.mname);
      const rname = masterFileName(rr.rname);
      const numbers = [rr.serial, rr.refresh, rr.retry, rr.expire, rr.minimum].map((n) => n >>> 0);
      return mname && rname && `${mname} ${rname} ${numbers.join(' ')}`;
    }
    case QType.NS:
    case QType.PTR:
    case QType.CNAME:
      return masterFileName(rr.target);
  }
}

/** `<owner> <ttl> IN <type> <rdata>`, or undefined when a name in the record has no wire form. */
export function masterFileLine(rr: ResourceRecord): string | undefined {
  const owner = masterFileName(rr.name);
  const rdata = masterFileRdata(rr);
  if (owner === undefined || rdata === undefined) return undefined;
  return `${owner} ${clampTtl(rr.ttl)} IN ${typeMnemonic(rr.type)} ${rdata}`;
}
