// The 5-character task hash of canonical task names (behaviour §2.10): the first five z-base-32 digits
// of SHA-1(task id), i.e. the top 25 bits of the digest.
import { hash } from 'node:crypto';

const ZBASE32 = 'ybndrfg8ejkmcpqxot1uwisza345h769';
const DIGITS = Array.from(ZBASE32, (c) => c.charCodeAt(0));

export function hashTaskId(taskId: string): string {
  // The one-shot hash with hex output is several times cheaper per call than createHash().digest().
  const top = parseInt(hash('sha1', taskId, 'hex').slice(0, 8), 16);
  const digit = (i: number): number => DIGITS[(top >>> (27 - 5 * i)) & 31] as number;
  return String.fromCharCode(digit(0), digit(1), digit(2), digit(3), digit(4));
}
