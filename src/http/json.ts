// JSON exactly as Mesos-DNS's HTTP framework writes it: Go's encoding/json through
// json.MarshalIndent(value, " ", " ") (behaviour §6): every line after the first starts with one space,
// one more space per nesting level, `"key": value`, empty arrays and objects stay `[]` / `{}`, no
// trailing newline, and strings escaped the Go way (<, >, & and U+2028/9 as \u escapes).
//
// Two forms: goJson() renders a small value to one string; streamGoJson() renders a value whose
// large parts are lazy iterables as a sequence of bounded chunks, so /v1/enumerate and /v1/axfr of a
// million records never build one giant string nor hold the event loop for long. Pure: no I/O.

/** A JSON value; object keys are written in insertion order (callers never use integer-like keys). */
export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/**
 * Yielded by a lazy iterable between items to say "I did a slice of work": the stream hands out what
 * it has so far (possibly an empty chunk) so the consumer can yield to the event loop.
 */
export const PAUSE: unique symbol = Symbol('pause');
export type Pause = typeof PAUSE;

/** An array whose items are produced on demand. */
export class LazyJsonArray {
  constructor(readonly items: Iterable<StreamJsonValue | Pause>) {}
}

/** An object whose members are produced on demand, in iteration order. */
export class LazyJsonObject {
  constructor(readonly entries: Iterable<readonly [string, StreamJsonValue] | Pause>) {}
}

export type StreamJsonValue =
  | JsonValue
  | LazyJsonArray
  | LazyJsonObject
  | readonly StreamJsonValue[]
  | { readonly [key: string]: StreamJsonValue };

export function lazyArray(items: Iterable<StreamJsonValue | Pause>): LazyJsonArray {
  return new LazyJsonArray(items);
}

export function lazyObject(entries: Iterable<readonly [string, StreamJsonValue] | Pause>): LazyJsonObject {
  return new LazyJsonObject(entries);
}

const HEX = '0123456789abcdef';

function unicodeEscape(code: number): string {
  return `\\u${HEX[(code >> 12) & 15]}${HEX[(code >> 8) & 15]}${HEX[(code >> 4) & 15]}${HEX[code & 15]}`;
}

// Characters that need escaping in Go's HTML-safe encoder; everything else is copied as is.
const NEEDS_ESCAPE = /["\\\u0000-\u001f<>&\u2028\u2029\ud800-\udfff]/;

/** A JSON string literal as Go's encoding/json writes it (HTML-safe, invalid UTF-16 becomes U+FFFD). */
export function quoteGoString(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return `"${s}"`;
  let out = '"';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let rep: string | undefined;
    if (c === 0x22) rep = '\\"';
    else if (c === 0x5c) rep = '\\\\';
    else if (c === 0x0a) rep = '\\n';
    else if (c === 0x0d) rep = '\\r';
    else if (c === 0x09) rep = '\\t';
    else if (c < 0x20 || c === 0x3c || c === 0x3e || c === 0x26 || c === 0x2028 || c === 0x2029) rep = unicodeEscape(c);
    else if (c >= 0xd800 && c <= 0xdbff) {
      const next = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++; // a valid pair: copied as is
        continue;
      }
      rep = '\ufffd';
    } else if (c >= 0xdc00 && c <= 0xdfff) rep = '\ufffd';
    if (rep !== undefined) {
      out += s.slice(start, i) + rep;
      start = i + 1;
    }
  }
  return `${out + s.slice(start)}"`;
}

function formatNumber(n: number): string {
  // Go refuses NaN and infinities; nothing we serve holds them, but never emit invalid JSON.
  return Number.isFinite(n) ? String(n) : 'null';
}

function newline(depth: number): string {
  // MarshalIndent(v, " ", " "): a newline, the prefix, then one indent per level.
  return `\n ${' '.repeat(depth)}`;
}

function isLazy(value: StreamJsonValue): value is LazyJsonArray | LazyJsonObject {
  return value instanceof LazyJsonArray || value instanceof LazyJsonObject;
}

/** Appends a plain (non-lazy) value at nesting `depth` to `out`. */
function appendValue(out: string[], value: JsonValue, depth: number): void {
  if (value === null) {
    out.push('null');
  } else if (typeof value === 'string') {
    out.push(quoteGoString(value));
  } else if (typeof value === 'number') {
    out.push(formatNumber(value));
  } else if (typeof value === 'boolean') {
    out.push(value ? 'true' : 'false');
  } else if (Array.isArray(value)) {
    const items = value as readonly JsonValue[];
    if (items.length === 0) {
      out.push('[]');
      return;
    }
    out.push('[');
    for (let i = 0; i < items.length; i++) {
      out.push(i === 0 ? newline(depth + 1) : `,${newline(depth + 1)}`);
      appendValue(out, items[i] as JsonValue, depth + 1);
    }
    out.push(`${newline(depth)}]`);
  } else {
    const obj = value as { readonly [key: string]: JsonValue };
    let first = true;
    for (const key of Object.keys(obj)) {
      out.push(first ? `{${newline(depth + 1)}` : `,${newline(depth + 1)}`);
      first = false;
      out.push(`${quoteGoString(key)}: `);
      appendValue(out, obj[key] as JsonValue, depth + 1);
    }
    out.push(first ? '{}' : `${newline(depth)}}`);
  }
}

/** Renders a value like go-restful's WriteAsJson (no trailing newline). */
export function goJson(value: JsonValue): string {
  const out: string[] = [];
  appendValue(out, value, 0);
  return out.join('');
}

/** Buffers output pieces and hands them out in chunks of roughly `chunkSize` UTF-16 units. */
class ChunkSink {
  private parts: string[] = [];
  private size = 0;
  constructor(private readonly chunkSize: number) {}
  push(s: string): void {
    this.parts.push(s);
    this.size += s.length;
  }
  pushValue(value: JsonValue, depth: number): void {
    const before = this.parts.length;
    appendValue(this.parts, value, depth);
    for (let i = before; i < this.parts.length; i++) this.size += (this.parts[i] as string).length;
  }
  get full(): boolean {
    return this.size >= this.chunkSize;
  }
  take(): string {
    const chunk = this.parts.join('');
    this.parts = [];
    this.size = 0;
    return chunk;
  }
}

export interface StreamJsonOptions {
  /** Approximate chunk size in UTF-16 code units (default 64 KiB). */
  readonly chunkSize?: number;
}

/**
 * Renders a value with lazy parts as a sequence of chunks whose concatenation equals what goJson would
 * produce for the materialised value. Each chunk is produced by a bounded amount of work (roughly
 * chunkSize characters of output, or one PAUSE-delimited slice of a lazy iterable, which may give an
 * empty chunk), so a consumer that yields between chunks keeps the loop responsive.
 */
export function* streamGoJson(value: StreamJsonValue, options: StreamJsonOptions = {}): Generator<string, void, undefined> {
  const sink = new ChunkSink(options.chunkSize ?? 65536);

  function* emit(v: StreamJsonValue, depth: number): Generator<string, void, undefined> {
    if (!isLazy(v) && !containsLazy(v)) {
      sink.pushValue(v as JsonValue, depth);
      if (sink.full) yield sink.take();
      return;
    }
    if (v instanceof LazyJsonArray || Array.isArray(v)) {
      const items: Iterable<StreamJsonValue | Pause> = v instanceof LazyJsonArray ? v.items : (v as readonly StreamJsonValue[]);
      let first = true;
      for (const item of items) {
        if (item === PAUSE) {
          yield sink.take();
          continue;
        }
        sink.push(first ? `[${newline(depth + 1)}` : `,${newline(depth + 1)}`);
        first = false;
        yield* emit(item, depth + 1);
      }
      sink.push(first ? '[]' : `${newline(depth)}]`);
    } else {
      const entries: Iterable<readonly [string, StreamJsonValue] | Pause> =
        v instanceof LazyJsonObject ? v.entries : Object.entries(v as { readonly [key: string]: StreamJsonValue });
      let first = true;
      for (const entry of entries) {
        if (entry === PAUSE) {
          yield sink.take();
          continue;
        }
        const [key, item] = entry;
        sink.push(first ? `{${newline(depth + 1)}` : `,${newline(depth + 1)}`);
        first = false;
        sink.push(`${quoteGoString(key)}: `);
        yield* emit(item, depth + 1);
      }
      sink.push(first ? '{}' : `${newline(depth)}}`);
    }
    if (sink.full) yield sink.take();
  }

  yield* emit(value, 0);
  const rest = sink.take();
  if (rest.length > 0) yield rest;
}

/** True when a plain container holds a lazy part somewhere below it (only shallow shapes are used). */
function containsLazy(value: StreamJsonValue): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (isLazy(value)) return true;
  const children: readonly StreamJsonValue[] = Array.isArray(value)
    ? (value as readonly StreamJsonValue[])
    : Object.values(value as { readonly [key: string]: StreamJsonValue });
  for (const child of children) {
    if (typeof child === 'object' && child !== null && containsLazy(child)) return true;
  }
  return false;
}
