// IP address text to wire octets (pure), read straight from bytes so the answer path can parse a
// table's stored value in place. The rules are the ones the table's values were written with: a
// dotted quad of 1–3 digit parts up to 255, and IPv6 text with at most one `::` and an optional
// embedded dotted quad. Anything else (e.g. a slave host fragment stored in A, see docs) is not an
// address and is skipped by the caller.

const DOT = 0x2e;
const COLON = 0x3a;

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const lower = c | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

/** Writes the 4 octets of the dotted quad in src[start, end) at out[at]; false when it is not one. */
export function parseIPv4Into(src: Uint8Array, start: number, end: number, out: Uint8Array, at: number): boolean {
  let part = 0;
  let digits = 0;
  let value = 0;
  for (let i = start; i <= end; i++) {
    const c = i === end ? DOT : (src[i] as number);
    if (c === DOT) {
      if (digits === 0 || value > 255 || part > 3) return false;
      out[at + part++] = value;
      digits = 0;
      value = 0;
    } else if (isDigit(c) && digits < 3) {
      value = value * 10 + (c - 0x30);
      digits++;
    } else {
      return false;
    }
  }
  return part === 4;
}

/** Groups of `a:b:c` in src[start, end) into groups[from…]; the count, or -1 when malformed. */
function parseGroups(src: Uint8Array, start: number, end: number, groups: Uint16Array, from: number): number {
  if (start === end) return 0;
  let count = 0;
  let digits = 0;
  let value = 0;
  for (let i = start; i <= end; i++) {
    const c = i === end ? COLON : (src[i] as number);
    if (c === COLON) {
      if (digits === 0 || from + count >= groups.length) return -1;
      groups[from + count++] = value;
      digits = 0;
      value = 0;
    } else {
      const h = hexValue(c);
      if (h < 0 || digits === 4) return -1;
      value = value * 16 + h;
      digits++;
    }
  }
  return count;
}

const scratch = new Uint8Array(64);
const head = new Uint16Array(10);
const rest = new Uint16Array(10);
const quad = new Uint8Array(4);

function writeHex(out: Uint8Array, at: number, value: number): number {
  const text = value.toString(16);
  for (let i = 0; i < text.length; i++) out[at + i] = text.charCodeAt(i);
  return at + text.length;
}

/** Writes the 16 octets of the IPv6 text in src[start, end) at out[at]; false when it is not one. */
export function parseIPv6Into(src: Uint8Array, start: number, end: number, out: Uint8Array, at: number): boolean {
  const length = end - start;
  if (length < 2 || length > 45) return false;
  let lastColon = -1;
  let dotted = false;
  for (let i = start; i < end; i++) {
    const c = src[i] as number;
    if (c === COLON) lastColon = i;
    else if (c === DOT) dotted = true;
    else if (hexValue(c) < 0) return false;
  }
  // An embedded dotted quad stands for the last two groups: rewrite it as hex into a scratch copy.
  let text = src;
  let from = start;
  let to = end;
  if (dotted) {
    if (lastColon < 0 || !parseIPv4Into(src, lastColon + 1, end, quad, 0)) return false;
    let n = 0;
    for (let i = start; i <= lastColon; i++) scratch[n++] = src[i] as number;
    n = writeHex(scratch, n, ((quad[0] as number) << 8) | (quad[1] as number));
    scratch[n++] = COLON;
    n = writeHex(scratch, n, ((quad[2] as number) << 8) | (quad[3] as number));
    text = scratch;
    from = 0;
    to = n;
  }
  let gap = -1;
  for (let i = from; i + 1 < to; i++) {
    if (text[i] === COLON && text[i + 1] === COLON) {
      if (gap >= 0) return false; // a second `::`
      gap = i;
      i++;
    }
  }
  const headCount = parseGroups(text, from, gap < 0 ? to : gap, head, 0);
  const restCount = gap < 0 ? 0 : parseGroups(text, gap + 2, to, rest, 0);
  if (headCount < 0 || restCount < 0) return false;
  const fill = gap < 0 ? 0 : 8 - headCount - restCount;
  if (gap < 0 ? headCount !== 8 : fill < 1) return false;
  let g = 0;
  const put = (value: number): void => {
    out[at + g * 2] = value >> 8;
    out[at + g * 2 + 1] = value & 0xff;
    g++;
  };
  for (let i = 0; i < headCount; i++) put(head[i] as number);
  for (let i = 0; i < fill; i++) put(0);
  for (let i = 0; i < restCount; i++) put(rest[i] as number);
  return true;
}
