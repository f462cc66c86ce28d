// DNS label sanitisation exactly as Mesos-DNS does it (behaviour §2.2), including its odd refill step
// that can leave a trailing '-' (behaviour §8 #11, MATCH).

export type LabelSpec = 'rfc1123' | 'rfc952';

const MAX_LENGTH: Readonly<Record<LabelSpec, number>> = { rfc1123: 63, rfc952: 24 };

function mapCodePoint(cp: number): string {
  if (cp >= 0x41 && cp <= 0x5a) return String.fromCharCode(cp + 32); // A-Z
  if ((cp >= 0x61 && cp <= 0x7a) || (cp >= 0x30 && cp <= 0x39)) return String.fromCharCode(cp);
  if (cp === 0x2d || cp === 0x2e || cp === 0x5f) return '-'; // - . _
  return '';
}

function isLeftStripped(ch: string, spec: LabelSpec): boolean {
  return ch === '-' || (spec === 'rfc952' && ch >= '0' && ch <= '9');
}

/** One sanitised DNS label; may be empty. */
export function toLabel(input: string, spec: LabelSpec): string {
  let mapped = '';
  for (const ch of input) mapped += mapCodePoint(ch.codePointAt(0) as number);
  let start = 0;
  while (start < mapped.length && isLeftStripped(mapped[start] as string, spec)) start++;
  const t = mapped.slice(start);
  const n = Math.min(t.length, MAX_LENGTH[spec]);
  const head = t.slice(0, n).replace(/-+$/, '');
  if (head.length === n) return head;
  const tail = t.slice(n).replace(/^-+/, '');
  if (tail.length === 0) return head;
  return head + tail.slice(0, Math.min(tail.length, n - head.length));
}

/**
 * A framework name as a domain fragment: split on '.', sanitise each part, drop empty parts,
 * re-join with '.' (`My.Frame_Work..X` → `my.frame-work.x`).
 */
export function toDomainFragment(input: string, spec: LabelSpec): string {
  const parts: string[] = [];
  for (const part of input.split('.')) {
    const label = toLabel(part, spec);
    if (label !== '') parts.push(label);
  }
  return parts.join('.');
}
