// The static records file (StaticRecordsFile): extra A, AAAA, SRV and CNAME records inside the domain,
// in RFC 1035 master-file lines restricted to one record per line:
//
//   name [TTL] [IN] TYPE rdata      ; comment
//
// A name without a trailing dot is relative to Domain ("www" is "www.mesos."), "@" is the apex, and a
// line starting with a blank repeats the previous owner. Pure: the text in, the records or one problem
// per bad line out (docs/dns.md "Static records").
import { canonicalIp } from '../net/ip-text.js';

export type StaticRecordType = 'A' | 'AAAA' | 'SRV' | 'CNAME';

export interface StaticRecord {
  /** Owner FQDN, lower case, trailing dot. */
  readonly name: string;
  readonly type: StaticRecordType;
  /** As the table stores it: canonical IP text (A, AAAA), "<target>:<port>" (SRV), the target FQDN (CNAME). */
  readonly value: string;
  /** 1-based line in the file. */
  readonly line: number;
}

export interface StaticRecordsProblem {
  /** 1-based line, or 0 for the file as a whole. */
  readonly line: number;
  readonly message: string;
}

export interface StaticRecordsSettings {
  /** Lower case, no trailing dot. */
  readonly domain: string;
  readonly ttl: number;
  readonly srvRecordDefaultWeight: number;
}

export interface ParsedStaticRecords {
  readonly records: readonly StaticRecord[];
  /** Empty when the file is good; a file with problems is refused as a whole. */
  readonly problems: readonly StaticRecordsProblem[];
}

/** A larger file is refused unread: it is a list of extra names, not a zone of millions. */
export const MAX_STATIC_RECORDS_FILE_BYTES = 4 * 1024 * 1024;
/** Problems shown per file (start-up errors, reload log lines); the rest are counted. */
export const MAX_STATIC_PROBLEMS_SHOWN = 50;

const TYPES: ReadonlySet<string> = new Set(['A', 'AAAA', 'SRV', 'CNAME']);
const LABEL = /^[a-z0-9_-]{1,63}$/;

/** "file:line: message" (or "file: message" for the whole file). */
export function formatStaticProblem(file: string, problem: StaticRecordsProblem): string {
  return problem.line > 0 ? `${file}:${problem.line}: ${problem.message}` : `${file}: ${problem.message}`;
}

/** The problems as lines to show, at most MAX_STATIC_PROBLEMS_SHOWN, then how many more there were. */
export function describeStaticProblems(file: string, problems: readonly StaticRecordsProblem[]): string[] {
  const shown = problems.slice(0, MAX_STATIC_PROBLEMS_SHOWN).map((p) => formatStaticProblem(file, p));
  if (problems.length > shown.length) shown.push(`${file}: ${problems.length - shown.length} more problems not shown`);
  return shown;
}

/** A name as written → FQDN, or the problem. `relativeTo` completes names without a trailing dot. */
function toFqdn(text: string, apex: string): { fqdn: string } | { problem: string } {
  if (text === '@') return { fqdn: apex };
  const lower = text.toLowerCase();
  const fqdn = lower.endsWith('.') ? lower : `${lower}.${apex}`;
  if (fqdn === '.') return { problem: 'the root is not a name here' };
  const labels = fqdn.slice(0, -1).split('.');
  for (const label of labels) {
    if (label === '*') return { problem: `"${text}": wildcards are not supported` };
    if (!LABEL.test(label)) {
      return {
        problem:
          label === ''
            ? `"${text}" has an empty label`
            : label.length > 63
              ? `"${text}" has a label longer than 63 octets`
              : `"${text}": names may hold letters, digits, "-" and "_" only`,
      };
    }
  }
  if (fqdn.length > 254) return { problem: `"${text}" is longer than 253 octets` };
  return { fqdn };
}

function inDomain(fqdn: string, apex: string): boolean {
  return fqdn === apex || fqdn.endsWith(`.${apex}`);
}

interface LineResult {
  readonly record?: StaticRecord;
  readonly owner?: string;
  readonly problem?: string;
}

function parseLine(tokens: readonly string[], inherited: string | undefined, lineNo: number, s: StaticRecordsSettings): LineResult {
  const apex = `${s.domain}.`;
  let i = 0;
  let owner: string;
  if (inherited !== undefined) {
    owner = inherited;
  } else {
    const parsed = toFqdn(tokens[i++] as string, apex);
    if ('problem' in parsed) return { problem: parsed.problem };
    owner = parsed.fqdn;
    if (!inDomain(owner, apex)) return { problem: `"${tokens[0]}" is outside the domain "${s.domain}"` };
  }
  // TTL and class, in either order, both optional.
  for (let k = 0; k < 2 && i < tokens.length; k++) {
    const token = tokens[i] as string;
    if (/^\d+$/.test(token)) {
      if (Number(token) !== s.ttl) {
        return { owner, problem: `TTL ${token} differs from the configured TTL (${s.ttl}): every record is served with TTL, so leave it out` };
      }
      i++;
    } else if (token.toUpperCase() === 'IN') {
      i++;
    } else if (['CH', 'HS', 'CS', 'NONE', 'ANY'].includes(token.toUpperCase())) {
      return { owner, problem: `class ${token}: only IN is served` };
    }
  }
  const typeToken = tokens[i++];
  if (typeToken === undefined) return { owner, problem: 'the record type is missing' };
  const type = typeToken.toUpperCase();
  if (!TYPES.has(type)) return { owner, problem: `type "${typeToken}" is not supported (A, AAAA, SRV and CNAME are)` };
  const rdata = tokens.slice(i);
  const want = type === 'SRV' ? 4 : 1;
  if (rdata.length !== want) {
    const form = { A: 'an IPv4 address', AAAA: 'an IPv6 address', SRV: 'priority weight port target', CNAME: 'a target name' }[type as StaticRecordType];
    return { owner, problem: `${type} takes ${form}, got ${rdata.length === 0 ? 'nothing' : `"${rdata.join(' ')}"`}` };
  }
  const record = (value: string): LineResult => ({ owner, record: { name: owner, type: type as StaticRecordType, value, line: lineNo } });
  switch (type) {
    case 'A':
    case 'AAAA': {
      const text = rdata[0] as string;
      const ip = canonicalIp(text);
      const family = type === 'A' ? 4 : 6;
      if (!ip) return { owner, problem: `"${text}" is not an ${type === 'A' ? 'IPv4' : 'IPv6'} address` };
      if (ip.family !== family) return { owner, problem: `"${text}" is an IPv${ip.family} address: use ${type === 'A' ? 'AAAA' : 'A'}` };
      return record(ip.text);
    }
    case 'SRV': {
      const [priority, weight, port, target] = rdata as [string, string, string, string];
      if (priority !== '0') return { owner, problem: `SRV priority ${priority}: every SRV record is served with priority 0` };
      if (!/^\d+$/.test(weight) || Number(weight) !== s.srvRecordDefaultWeight) {
        return { owner, problem: `SRV weight ${weight}: every SRV record is served with SRVRecordDefaultWeight (${s.srvRecordDefaultWeight})` };
      }
      if (!/^\d{1,5}$/.test(port) || Number(port) > 65535) return { owner, problem: `SRV port "${port}" is not 0-65535` };
      const t = toFqdn(target, apex);
      if ('problem' in t) return { owner, problem: `SRV target ${t.problem}` };
      return record(`${t.fqdn}:${Number(port)}`);
    }
    default: {
      if (owner === apex) return { owner, problem: 'a CNAME at the apex is not allowed (the apex has SOA and NS)' };
      const t = toFqdn(rdata[0] as string, apex);
      if ('problem' in t) return { owner, problem: `CNAME target ${t.problem}` };
      if (t.fqdn === owner) return { owner, problem: 'a CNAME pointing at its own name is a loop' };
      return record(t.fqdn);
    }
  }
}

/** RFC 1034 §3.6.2: a name with a CNAME has no other records; and CNAME chains must end. */
function crossCheck(records: readonly StaticRecord[], problems: StaticRecordsProblem[]): void {
  const cnames = new Map<string, StaticRecord>();
  const others = new Map<string, StaticRecord>();
  for (const r of records) {
    if (r.type !== 'CNAME') {
      if (!others.has(r.name)) others.set(r.name, r);
      continue;
    }
    const first = cnames.get(r.name);
    if (first === undefined) cnames.set(r.name, r);
    else if (first.value !== r.value) problems.push({ line: r.line, message: `${r.name} already has a CNAME (line ${first.line}); a name has at most one` });
  }
  for (const [name, cname] of cnames) {
    const other = others.get(name);
    if (other) {
      const [early, late] = other.line < cname.line ? [other, cname] : [cname, other];
      problems.push({ line: late.line, message: `${name} has a CNAME and other records (lines ${early.line} and ${late.line}): a CNAME must be a name's only record` });
    }
  }
  const reported = new Set<string>();
  for (const start of cnames.values()) {
    const chain = [start.name];
    const seen = new Set(chain);
    for (let next = cnames.get(start.name); next; next = cnames.get(next.value)) {
      if (seen.has(next.value)) {
        if (next.value === start.name && !chain.some((n) => reported.has(n))) {
          for (const n of chain) reported.add(n);
          problems.push({ line: start.line, message: `CNAME loop: ${[...chain, start.name].join(' -> ')}` });
        }
        break;
      }
      chain.push(next.value);
      seen.add(next.value);
    }
  }
}

function tokenize(line: string): string[] {
  return line.split(/[ \t]+/).filter((t) => t !== '');
}

export function parseStaticRecords(text: string, settings: StaticRecordsSettings): ParsedStaticRecords {
  if (Buffer.byteLength(text) > MAX_STATIC_RECORDS_FILE_BYTES) {
    return { records: [], problems: [{ line: 0, message: `is larger than ${MAX_STATIC_RECORDS_FILE_BYTES} octets` }] };
  }
  const records: StaticRecord[] = [];
  const problems: StaticRecordsProblem[] = [];
  let previousOwner: string | undefined;
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const raw = (lines[n] as string).replace(/\r$/, '');
    const semicolon = raw.indexOf(';');
    const content = semicolon < 0 ? raw : raw.slice(0, semicolon);
    if (content.trim() === '') continue;
    const line = n + 1;
    const problem = (message: string): void => {
      problems.push({ line, message });
    };
    if (/["()\\]/.test(content)) {
      problem('quotes, parentheses and escapes are not supported: one record per line, plain names');
      continue;
    }
    if (content.startsWith('$')) {
      problem(`directive ${tokenize(content)[0]} is not supported: names are relative to Domain and TTL is the configured one`);
      continue;
    }
    const inherits = content.startsWith(' ') || content.startsWith('\t');
    if (inherits && previousOwner === undefined) {
      problem('the line starts with a blank, so it repeats the previous owner, but there is none');
      continue;
    }
    const result = parseLine(tokenize(content), inherits ? previousOwner : undefined, line, settings);
    if (result.owner !== undefined) previousOwner = result.owner;
    if (result.problem !== undefined) problem(result.problem);
    else if (result.record) records.push(result.record);
  }
  crossCheck(records, problems);
  problems.sort((a, b) => a.line - b.line);
  return { records, problems };
}
