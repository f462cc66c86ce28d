// Many questions to one server through one `dig -f` run (bind9-dnsutils), for comparing servers
// answer by answer: dig parses the names (master-file escapes included) and prints every reply the
// same way whichever server sent it. Records come back in a canonical form (RFC 4034 §6.2), as
// "<owner> <ttl> <type> <rdata>" lower-cased: servers answer in the question's case or the zone's, and
// name compression can carry the question's case into RDATA names.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dig, parseDigOutput } from './dig.js';

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

function parseBlock(block: string): DigReply {
  const reply = parseDigOutput(block);
  // dig prints whatever came back, even a query (e.g. its own, from a socket sharing the port).
  if (!reply.flags.includes('qr')) throw new Error(`dig received a message that is not a reply:\n${block}`);
  const canonical = (records: readonly string[]): string[] => records.map((r) => r.toLowerCase()).sort();
  return { status: reply.status, aa: reply.flags.includes('aa'), answer: canonical(reply.answer), authority: canonical(reply.authority), raw: block };
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
