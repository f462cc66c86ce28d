// A pull reader over JSON bytes: the caller walks the document and takes only the values it needs;
// everything else is skipped, but still checked, so a text is accepted exactly when JSON.parse would
// accept its UTF-8 decoding (RFC 8259: no trailing commas, no control characters in strings, no
// leading zeros...). Strings decode as JSON.parse decodes them after Buffer's UTF-8 decoding (an
// invalid byte sequence becomes U+FFFD; escapes may leave lone surrogates). Skipping is iterative,
// so deep nesting cannot overflow the stack.
import { Buffer } from 'node:buffer';

export class JsonSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JsonSyntaxError';
  }
}

/** A value that is an object or an array, skipped: its kind and where its text is. */
export class Composite {
  constructor(
    readonly type: 'object' | 'array',
    readonly start: number,
    readonly end: number,
  ) {}
}

/** What readScalar() returns: a scalar as JSON.parse would give it, or a skipped object or array. */
export type Scalar = string | number | boolean | null | Composite;

/** JSON's structural octets (the record splitter scans for them too). */
export const QUOTE = 0x22;
export const BACKSLASH = 0x5c;
export const COMMA = 0x2c;
const COLON = 0x3a;
export const OPEN_BRACE = 0x7b;
export const CLOSE_BRACE = 0x7d;
export const OPEN_BRACKET = 0x5b;
export const CLOSE_BRACKET = 0x5d;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;

/** Space, tab, line feed, carriage return: JSON's only whitespace. */
export function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function isDigit(c: number): boolean {
  return c >= ZERO && c <= NINE;
}

function hexValue(c: number): number {
  if (c >= ZERO && c <= NINE) return c - ZERO;
  const lower = c | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}

const ESCAPES: Readonly<Record<number, string>> = {
  [QUOTE]: '"',
  [BACKSLASH]: '\\',
  0x2f: '/',
  0x62: '\b',
  0x66: '\f',
  0x6e: '\n',
  0x72: '\r',
  0x74: '\t',
};

const OBJECT = 1;
const ARRAY = 2;

/**
 * Short strings repeat across a state (slave ids, task names of an app's instances, status names,
 * label keys): a direct-mapped cache by content returns the string already made instead of a new
 * copy, which saves the allocation now and the memory for as long as the state is kept.
 */
const INTERN_SLOTS = 1 << 16;
const INTERN_MAX_LENGTH = 40;

/** The intern cache: readers of many small documents (a stream's events) share one rather than fill 64K slots each. */
export type InternTable = (string | undefined)[];

export function newInternTable(): InternTable {
  return new Array<string | undefined>(INTERN_SLOTS).fill(undefined);
}

/** Buffer's own slice methods, without toString's argument handling (they exist on Buffer.prototype). */
interface SliceMethods {
  latin1Slice(start: number, end: number): string;
  utf8Slice(start: number, end: number): string;
}

function sliceMethods(buffer: Buffer): SliceMethods {
  const b = buffer as Buffer & Partial<SliceMethods>;
  if (typeof b.latin1Slice === 'function' && typeof b.utf8Slice === 'function') return b as Buffer & SliceMethods;
  return {
    latin1Slice: (start, end) => buffer.toString('latin1', start, end),
    utf8Slice: (start, end) => buffer.toString('utf8', start, end),
  };
}

export class JsonReader {
  /** The position of the next byte to read. */
  pos = 0;
  private readonly bytes: Buffer;
  private readonly length: number;
  /** Open containers while skipping (OBJECT or ARRAY), grown as needed. */
  private stack = new Uint8Array(64);
  private readonly slices: SliceMethods;

  constructor(
    bytes: Uint8Array,
    private readonly interned: InternTable = newInternTable(),
  ) {
    this.bytes = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.length = bytes.length;
    this.slices = sliceMethods(this.bytes);
  }

  fail(what?: string): never {
    if (this.pos >= this.length) throw new JsonSyntaxError('unexpected end of JSON input');
    const c = this.bytes[this.pos] as number;
    const shown = c >= 0x20 && c < 0x7f ? `'${String.fromCharCode(c)}'` : `byte 0x${c.toString(16).padStart(2, '0')}`;
    throw new JsonSyntaxError(`unexpected ${shown} at offset ${this.pos}${what ? ` (${what})` : ''}`);
  }

  /** Skips whitespace; returns the next byte (-1 at the end). */
  peek(): number {
    const b = this.bytes;
    let p = this.pos;
    while (p < this.length && isSpace(b[p] as number)) p++;
    this.pos = p;
    return p < this.length ? (b[p] as number) : -1;
  }

  /** After the document's value: only whitespace may follow. */
  end(): void {
    if (this.peek() !== -1) this.fail('after the document');
  }

  isObjectNext(): boolean {
    return this.peek() === OPEN_BRACE;
  }

  isArrayNext(): boolean {
    return this.peek() === OPEN_BRACKET;
  }

  isNullNext(): boolean {
    return this.peek() === 0x6e;
  }

  /** Enters an object (the next value must be one). */
  openObject(): void {
    if (this.peek() !== OPEN_BRACE) this.fail('expected an object');
    this.pos++;
    this.first = true;
  }

  /** Enters an array (the next value must be one). */
  openArray(): void {
    if (this.peek() !== OPEN_BRACKET) this.fail('expected an array');
    this.pos++;
    this.first = true;
  }

  /** True right after openObject/openArray: no member or element read yet. */
  private first = false;

  /**
   * Moves to the next member of the object being read and reads its key (see keyStart/keyEnd,
   * keyIs and keyText); false at the closing brace. The member's value must be read or skipped next.
   * Call as `for (r.openObject(); r.nextKey(); ) { ... }` with nothing else between calls at this depth.
   */
  nextKey(): boolean {
    let c = this.peek();
    if (this.first) {
      this.first = false;
      if (c === CLOSE_BRACE) {
        this.pos++;
        return false;
      }
    } else if (c === COMMA) {
      this.pos++;
      c = this.peek();
    } else if (c === CLOSE_BRACE) {
      this.pos++;
      return false;
    } else {
      this.fail('expected , or }');
    }
    if (c !== QUOTE) this.fail('expected a key');
    this.keyStart = this.pos + 1;
    this.keyEscaped = this.scanString();
    this.keyEnd = this.pos - 1;
    if (this.peek() !== COLON) this.fail('expected :');
    this.pos++;
    return true;
  }

  /** The current key's raw bytes are [keyStart, keyEnd); keyEscaped when they hold escapes. */
  keyStart = 0;
  keyEnd = 0;
  keyEscaped = false;

  /** Whether the current key is `name` (ASCII), as JSON.parse would decode it. */
  keyIs(name: string): boolean {
    if (this.keyEscaped) return this.keyText() === name;
    const length = this.keyEnd - this.keyStart;
    if (length !== name.length) return false;
    const b = this.bytes;
    const start = this.keyStart;
    for (let i = 0; i < length; i++) if (b[start + i] !== name.charCodeAt(i)) return false;
    return true;
  }

  /** The current key as a string. */
  keyText(): string {
    return this.decodeString(this.keyStart, this.keyEnd, this.keyEscaped);
  }

  /** Moves to the next element of the array being read; false at the closing bracket. */
  nextElement(): boolean {
    const c = this.peek();
    if (this.first) {
      this.first = false;
      if (c === CLOSE_BRACKET) {
        this.pos++;
        return false;
      }
      return true;
    }
    if (c === COMMA) {
      this.pos++;
      return true;
    }
    if (c === CLOSE_BRACKET) {
      this.pos++;
      return false;
    }
    return this.fail('expected , or ]');
  }

  /** Reads the next value if it is a scalar; an object or array is skipped and described. */
  readScalar(): Scalar {
    const c = this.peek();
    if (c === QUOTE) return this.readString();
    if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      const start = this.pos;
      this.skipValue();
      return new Composite(c === OPEN_BRACE ? 'object' : 'array', start, this.pos);
    }
    if (c === MINUS || isDigit(c)) return this.readNumber();
    if (c === 0x74) return this.literal('true', true);
    if (c === 0x66) return this.literal('false', false);
    if (c === 0x6e) return this.literal('null', null);
    return this.fail('expected a value');
  }

  /** The text of bytes [start, end) as UTF-8 (for a Composite). */
  text(start: number, end: number): string {
    return this.bytes.toString('utf8', start, end);
  }

  /** Skips the next value, checking it. */
  skipValue(): void {
    let depth = 0;
    for (;;) {
      // A value starts here.
      const c = this.peek();
      if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        this.pos++;
        const close = c === OPEN_BRACE ? CLOSE_BRACE : CLOSE_BRACKET;
        if (this.peek() === close) {
          this.pos++;
        } else {
          if (depth === this.stack.length) {
            const grown = new Uint8Array(depth * 2);
            grown.set(this.stack);
            this.stack = grown;
          }
          this.stack[depth++] = c === OPEN_BRACE ? OBJECT : ARRAY;
          if (c === OPEN_BRACE) this.skipKeyAndColon();
          continue;
        }
      } else if (c === QUOTE) {
        this.scanString();
      } else if (c === MINUS || isDigit(c)) {
        this.scanNumber();
      } else if (c === 0x74) {
        this.literal('true', true);
      } else if (c === 0x66) {
        this.literal('false', false);
      } else if (c === 0x6e) {
        this.literal('null', null);
      } else {
        this.fail('expected a value');
      }
      // A value ended: close containers until one continues.
      for (;;) {
        if (depth === 0) return;
        const d = this.peek();
        const kind = this.stack[depth - 1];
        if (d === COMMA) {
          this.pos++;
          if (kind === OBJECT) this.skipKeyAndColon();
          break;
        }
        if (d === (kind === OBJECT ? CLOSE_BRACE : CLOSE_BRACKET)) {
          this.pos++;
          depth--;
          continue;
        }
        this.fail(kind === OBJECT ? 'expected , or }' : 'expected , or ]');
      }
    }
  }

  private skipKeyAndColon(): void {
    if (this.peek() !== QUOTE) this.fail('expected a key');
    this.scanString();
    if (this.peek() !== COLON) this.fail('expected :');
    this.pos++;
  }

  private literal<T>(word: string, value: T): T {
    const b = this.bytes;
    const p = this.pos;
    for (let i = 0; i < word.length; i++) {
      if (b[p + i] !== word.charCodeAt(i)) {
        this.pos = p + i;
        this.fail();
      }
    }
    this.pos = p + word.length;
    return value;
  }

  /**
   * Reads a string value (the next byte must be a quote). The common case, no escapes, is checked,
   * hashed for the intern cache and decoded in one pass.
   */
  readString(): string {
    if (this.peek() !== QUOTE) this.fail('expected a string');
    const b = this.bytes;
    const n = this.length;
    const start = this.pos + 1;
    let p = start;
    let h = 0x811c9dc5;
    let ascii = true;
    for (;;) {
      if (p >= n) break;
      const c = b[p] as number;
      if (c === QUOTE || c === BACKSLASH || c < 0x20) break;
      if (c >= 0x80) ascii = false;
      h = Math.imul(h ^ c, 0x01000193);
      p++;
    }
    if (p >= n || b[p] !== QUOTE) {
      // Escapes, an error or the end: the general path.
      const escaped = this.scanString();
      return this.decodeString(start, this.pos - 1, escaped);
    }
    this.pos = p + 1;
    const length = p - start;
    if (!ascii) return this.slices.utf8Slice(start, p);
    if (length > INTERN_MAX_LENGTH) return this.slices.latin1Slice(start, p);
    return this.intern(start, length, h);
  }

  /** The ASCII string of bytes [start, start + length) with FNV-1a hash h, from the cache when it is there. */
  private intern(start: number, length: number, h: number): string {
    const b = this.bytes;
    const slot = (h ^ (h >>> 16)) & (INTERN_SLOTS - 1);
    const known = this.interned[slot];
    if (known !== undefined && known.length === length) {
      let same = true;
      for (let j = 0; j < length && same; j++) same = known.charCodeAt(j) === b[start + j];
      if (same) return known;
    }
    const made = this.slices.latin1Slice(start, start + length);
    this.interned[slot] = made;
    return made;
  }

  /**
   * Moves past a string starting at the quote under pos, checking it. Returns whether it holds
   * escapes; the bytes without the quotes are [start + 1, pos - 1) afterwards.
   */
  private scanString(): boolean {
    const b = this.bytes;
    const n = this.length;
    let p = this.pos + 1;
    let escaped = false;
    for (;;) {
      if (p >= n) {
        this.pos = p;
        this.fail();
      }
      const c = b[p] as number;
      if (c === QUOTE) break;
      if (c === BACKSLASH) {
        escaped = true;
        const e = b[p + 1];
        if (e === 0x75) {
          for (let i = 2; i < 6; i++) {
            if (p + i >= n || hexValue(b[p + i] as number) < 0) {
              this.pos = p + i;
              this.fail('bad \\u escape');
            }
          }
          p += 6;
          continue;
        }
        if (e === undefined || ESCAPES[e] === undefined) {
          this.pos = p + 1;
          this.fail('bad escape');
        }
        p += 2;
        continue;
      }
      if (c < 0x20) {
        this.pos = p;
        this.fail('control character in a string');
      }
      p++;
    }
    this.pos = p + 1;
    return escaped;
  }

  /** The string whose bytes (without quotes, already checked) are [start, end). */
  private decodeString(start: number, end: number, escaped: boolean): string {
    const b = this.bytes;
    if (!escaped) {
      let h = 0x811c9dc5;
      let i = start;
      for (; i < end; i++) {
        const c = b[i] as number;
        if (c >= 0x80) break;
        h = Math.imul(h ^ c, 0x01000193);
      }
      if (i < end) return this.slices.utf8Slice(start, end);
      if (end - start > INTERN_MAX_LENGTH) return this.slices.latin1Slice(start, end);
      return this.intern(start, end - start, h);
    }
    let out = '';
    let from = start;
    let p = start;
    while (p < end) {
      if (b[p] !== BACKSLASH) {
        p++;
        continue;
      }
      if (p > from) out += this.slices.utf8Slice(from, p);
      const e = b[p + 1] as number;
      if (e === 0x75) {
        let code = 0;
        for (let i = 2; i < 6; i++) code = code * 16 + hexValue(b[p + i] as number);
        out += String.fromCharCode(code);
        p += 6;
      } else {
        out += ESCAPES[e] as string;
        p += 2;
      }
      from = p;
    }
    if (end > from) out += this.slices.utf8Slice(from, end);
    return out;
  }

  /** Reads a number value (the next byte must start one). */
  readNumber(): number {
    this.peek();
    const start = this.pos;
    const simple = this.scanNumber();
    if (simple >= 0) return simple;
    // The decimal text's nearest double, as JSON.parse computes it.
    return Number(this.slices.latin1Slice(start, this.pos));
  }

  /**
   * Moves past a number under pos, checking its syntax. Returns its value when it is a
   * non-negative integer of at most 15 digits (exact as computed), else -1.
   */
  private scanNumber(): number {
    const b = this.bytes;
    let p = this.pos;
    let simple = true;
    if (b[p] === MINUS) {
      simple = false;
      p++;
    }
    const intStart = p;
    let value = 0;
    if (b[p] === ZERO) {
      p++;
    } else if (isDigit(b[p] as number)) {
      while (isDigit(b[p] as number)) value = value * 10 + ((b[p++] as number) - ZERO);
    } else {
      this.pos = p;
      this.fail('bad number');
    }
    if (p - intStart > 15) simple = false;
    if (b[p] === DOT) {
      simple = false;
      p++;
      if (!isDigit(b[p] as number)) {
        this.pos = p;
        this.fail('bad number');
      }
      while (isDigit(b[p] as number)) p++;
    }
    if (b[p] === 0x65 || b[p] === 0x45) {
      simple = false;
      p++;
      if (b[p] === PLUS || b[p] === MINUS) p++;
      if (!isDigit(b[p] as number)) {
        this.pos = p;
        this.fail('bad number');
      }
      while (isDigit(b[p] as number)) p++;
    }
    this.pos = p;
    return simple ? value : -1;
  }
}
