// Many questions to one server through one `dig -f` run (bind9-dnsutils), for comparing servers
// answer by answer: dig parses the names (master-file escapes included) and prints every reply the
// same way whichever server sent it. Records come back in a canonical form (RFC 4034 §6.2), as
// "<owner> <ttl> <type> <rdata>" lower-cased: servers answer in the question's case or the zone's, and
// name compression can carry the question's case into RDATA names.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dig } from './dig.js';

export interface DigQuestion {
  /** In master-file syntax, absolute. */
  readonly name: string;
  readonly type: string;
}

export interface DigReply {
  readonly status: string;
  readonly aa: boolean;
  /** Sorted, so RRsets compare whatever order the server chose. */
  readonly answer: readonly string[];
  readonly authority: readonly string[];
  /** dig's text for this reply, for failure messages. */
  readonly raw: string;
}

function recordText(line: string): string {
  const [owner = '', ttl = '', , type = '', ...rdata] = line.trim().split(/\s+/);
  return [owner, ttl, type, ...rdata].join(' ').toLowerCase();
}

function section(block: string, title: string): string[] {
  const start = block.indexOf(`;; ${title} SECTION:\n`);
  if (start < 0) return [];
  const out: string[] = [];
  for (const line of block.slice(start).split('\n').slice(1)) {
    if (line.trim() === '' || line.startsWith(';')) break;
    out.push(recordText(line));
  }
  return out.sort();
}

function parseBlock(block: string): DigReply {
  const header = /;; ->>HEADER<<- opcode: \w+, status: (\w+)/.exec(block);
  const flags = /;; flags:([^;]*);/.exec(block);
  if (!header || !flags) throw new Error(`unexpected dig output:\n${block}`);
  // dig prints whatever came back, even a query (e.g. its own, from a socket sharing the port).
  if (!(flags[1] ?? '').trim().split(/\s+/).includes('qr')) throw new Error(`dig received a message that is not a reply:\n${block}`);
  return {
    status: header[1] as string,
    aa: (flags[1] ?? '').trim().split(/\s+/).includes('aa'),
    answer: section(block, 'ANSWER'),
    authority: section(block, 'AUTHORITY'),
    raw: block,
  };
}

/** One reply per question, in order; throws when dig gets no reply for one of them. */
export async function digBatch(port: number, questions: readonly DigQuestion[]): Promise<DigReply[]> {
  const dir = await mkdtemp(join(tmpdir(), 'dig-batch-'));
  try {
    const file = join(dir, 'questions');
    // -q and -t: a name may start with "-" (a sanitised label can), which dig would read as an option.
    await writeFile(file, questions.map((q) => `-q ${q.name} -t ${q.type}\n`).join(''));
    const args = ['+norec', '+noall', '+comments', '+answer', '+authority', '-f', file];
    const stdout = await dig(port, args, { tries: 2, time: 2, timeoutMs: 120_000, maxOutputBytes: 256 * 1024 * 1024 });
    const blocks = stdout.split(/^;; Got answer:$/m).slice(1);
    if (blocks.length !== questions.length) throw new Error(`dig got ${blocks.length} replies for ${questions.length} questions:\n${stdout.slice(0, 4000)}`);
    return blocks.map(parseBlock);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
