// Cuts the elements of chosen arrays out of a JSON record that arrives in pieces (docs/streaming.md,
// "Reading a snapshot as it arrives"), so that a SUBSCRIBED snapshot (80 MB at 100,000 tasks) is read
// task by task while it streams in and is never held whole. Each element of a chosen array goes to
// its handler as soon as its last byte is in; everything else (the record with those arrays left
// empty, a few MB at most) is kept as the skeleton, to be read as a record of its own at the end.
//
// Pure scanning: the splitter checks only what it cuts out between elements (whitespace and single
// commas). The handlers read each element with the JSON reader and the skeleton is read the same way,
// so a record is refused exactly when reading it whole would refuse it.
import { Buffer } from 'node:buffer';
import { BACKSLASH, CLOSE_BRACE, CLOSE_BRACKET, COMMA, isSpace, OPEN_BRACE, OPEN_BRACKET, QUOTE } from './json-reader.js';

/** An array whose elements are cut out: the keys leading to it from the record's root object. */
export interface CutArray {
  readonly path: readonly string[];
  /** Each element's bytes, in order (valid only during the call). */
  readonly onElement: (bytes: Uint8Array) => void;
  /**
   * A key on the path was met again: JSON's last occurrence wins, so what was cut out before no longer
   * counts (called when any key of the path occurs where it leads to this array).
   */
  readonly onReset: () => void;
}

export class SplitSyntaxError extends Error {
  override readonly name = 'SplitSyntaxError';
}

/** Where the scan is, outside cut-out elements. */
const enum Mode {
  /** The record's structure (copied to the skeleton). */
  STRUCTURE,
  /** Inside a chosen array, before an element or its closing bracket. */
  BEFORE_ELEMENT,
  /** Inside an element. */
  ELEMENT,
  /** Inside a chosen array, after an element: a comma or the closing bracket. */
  AFTER_ELEMENT,
}

interface Frame {
  readonly isObject: boolean;
  /** The member key this container is the value of (undefined in arrays and at the root). */
  readonly key: string | undefined;
  /** Inside an object: the next string is a key. */
  expectKey: boolean;
}

/** Keys longer than this are never on a path; their text is not kept. */
const MAX_KEY_BYTES = 64;

export class RecordSplitter {
  private mode = Mode.STRUCTURE;
  private readonly frames: Frame[] = [];
  private inString = false;
  private escaped = false;
  /** The key being read (structure only), as raw bytes; undefined when the string is not a key. */
  private keyBytes: number[] | undefined;
  private lastKey: string | undefined;
  /** The array whose elements are being cut out. */
  private cutting: CutArray | undefined;
  private elementDepth = 0;
  /** An element that is not a container or string ends at the first byte that cannot continue it. */
  private elementIsScalar = false;
  /** The element's bytes from earlier pieces. */
  private elementPieces: Uint8Array[] = [];
  private elementLength = 0;
  /** Since the last element: a comma (so `]` cannot follow). */
  private sawComma = false;
  private readonly skeleton: Uint8Array[] = [];
  private skeletonLength = 0;

  constructor(private readonly arrays: readonly CutArray[]) {}

  /** Scans the next piece of the record. Throws SplitSyntaxError where a cut-out stretch is not JSON. */
  push(piece: Uint8Array): void {
    let i = 0;
    /** Where the structure being scanned began in this piece (copied to the skeleton). */
    let keepFrom = 0;
    while (i < piece.length) {
      if (this.mode === Mode.STRUCTURE) {
        i = this.structure(piece, i);
        // Stopped just past a chosen array's `[`: the skeleton keeps it, and its `]`, with nothing between.
        if (this.mode !== Mode.STRUCTURE) this.keep(piece.subarray(keepFrom, i));
      } else if (this.mode === Mode.ELEMENT) {
        const start = i;
        i = this.element(piece, i);
        if (this.mode === Mode.ELEMENT) this.holdElement(piece.subarray(start, i));
        else this.endElement(piece.subarray(start, i));
      } else {
        const c = piece[i] as number;
        if (isSpace(c)) {
          i++;
        } else if (c === CLOSE_BRACKET) {
          if (this.mode === Mode.BEFORE_ELEMENT && this.sawComma) throw new SplitSyntaxError('a comma before ]');
          // The structure goes on with the `]`.
          this.mode = Mode.STRUCTURE;
          this.cutting = undefined;
          keepFrom = i;
        } else if (this.mode === Mode.AFTER_ELEMENT) {
          if (c !== COMMA) throw new SplitSyntaxError(`expected , or ] after an element, not byte 0x${c.toString(16)}`);
          this.mode = Mode.BEFORE_ELEMENT;
          this.sawComma = true;
          i++;
        } else {
          // The element's first byte is scanned as part of it.
          this.startElement(c);
        }
      }
    }
    if (this.mode === Mode.STRUCTURE) this.keep(piece.subarray(keepFrom, i));
  }

  /** After the last piece: the skeleton (the record with the chosen arrays emptied). */
  finish(): Uint8Array {
    if (this.mode !== Mode.STRUCTURE) throw new SplitSyntaxError('the record ended inside a cut-out array');
    const out = new Uint8Array(this.skeletonLength);
    let at = 0;
    for (const part of this.skeleton) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  }

  private keep(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.skeleton.push(bytes.slice());
    this.skeletonLength += bytes.length;
  }

  /** Scans structure from `i`; returns where it stopped (the end, or just past a chosen array's `[`). */
  private structure(piece: Uint8Array, from: number): number {
    for (let i = from; i < piece.length; i++) {
      const c = piece[i] as number;
      if (this.inString) {
        if (this.stringEnds(c)) {
          if (this.keyBytes) this.endKey();
        } else if (this.keyBytes && this.keyBytes.length <= MAX_KEY_BYTES) {
          this.keyBytes.push(c);
        }
        continue;
      }
      const top = this.frames[this.frames.length - 1];
      if (c === QUOTE) {
        this.inString = true;
        this.keyBytes = top?.isObject && top.expectKey ? [] : undefined;
      } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        const key = top?.isObject ? this.lastKey : undefined;
        this.frames.push({ isObject: c === OPEN_BRACE, key, expectKey: c === OPEN_BRACE });
        if (c === OPEN_BRACKET) {
          const chosen = this.chosenArray();
          if (chosen) {
            this.cutting = chosen;
            this.mode = Mode.BEFORE_ELEMENT;
            this.sawComma = false;
            return i + 1;
          }
        }
      } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        this.frames.pop();
      } else if (c === COMMA && top?.isObject) {
        top.expectKey = true;
      }
    }
    return piece.length;
  }

  private endKey(): void {
    const raw = this.keyBytes as number[];
    this.keyBytes = undefined;
    const top = this.frames[this.frames.length - 1] as Frame;
    top.expectKey = false;
    this.lastKey = raw.length > MAX_KEY_BYTES ? undefined : keyText(raw);
    if (this.lastKey === undefined) return;
    const depth = this.frames.length;
    for (const array of this.arrays) {
      if (depth <= array.path.length && array.path[depth - 1] === this.lastKey && this.pathIs(array.path, depth - 1)) array.onReset();
    }
  }

  /** Whether the open objects' keys (below the root) are the first `n` keys of `path`. */
  private pathIs(path: readonly string[], n: number): boolean {
    for (let d = 1; d <= n; d++) {
      const frame = this.frames[d] as Frame | undefined;
      if (!frame?.isObject || frame.key !== path[d - 1]) return false;
    }
    return (this.frames[0] as Frame | undefined)?.isObject === true;
  }

  /** The chosen array just opened, if the open containers lead to one. */
  private chosenArray(): CutArray | undefined {
    const depth = this.frames.length - 1;
    const array = this.frames[depth] as Frame;
    for (const chosen of this.arrays) {
      if (chosen.path.length === depth && array.key === chosen.path[depth - 1] && this.pathIs(chosen.path, depth - 1)) return chosen;
    }
    return undefined;
  }

  private startElement(c: number): void {
    this.mode = Mode.ELEMENT;
    this.elementDepth = 0;
    this.elementIsScalar = c !== OPEN_BRACE && c !== OPEN_BRACKET && c !== QUOTE;
    this.elementPieces = [];
    this.elementLength = 0;
  }

  /** Scans an element from `i`; returns where it ended (mode AFTER_ELEMENT) or the piece's end. */
  private element(piece: Uint8Array, from: number): number {
    let i = from;
    if (this.elementIsScalar) {
      while (i < piece.length) {
        const c = piece[i] as number;
        if (c === COMMA || c === CLOSE_BRACKET || isSpace(c) || c === CLOSE_BRACE) {
          this.mode = Mode.AFTER_ELEMENT;
          return i;
        }
        i++;
      }
      return i;
    }
    for (; i < piece.length; i++) {
      const c = piece[i] as number;
      if (this.inString) {
        if (this.stringEnds(c) && this.elementDepth === 0) {
          this.mode = Mode.AFTER_ELEMENT;
          return i + 1;
        }
      } else if (c === QUOTE) {
        this.inString = true;
      } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        this.elementDepth++;
      } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        if (--this.elementDepth === 0) {
          this.mode = Mode.AFTER_ELEMENT;
          return i + 1;
        }
      }
    }
    return i;
  }

  /** One octet inside a string; true when it is the closing quote. */
  private stringEnds(c: number): boolean {
    if (this.escaped) this.escaped = false;
    else if (c === BACKSLASH) this.escaped = true;
    else if (c === QUOTE) {
      this.inString = false;
      return true;
    }
    return false;
  }

  private holdElement(bytes: Uint8Array): void {
    this.elementPieces.push(bytes.slice());
    this.elementLength += bytes.length;
  }

  private endElement(last: Uint8Array): void {
    this.sawComma = false;
    const cutting = this.cutting as CutArray;
    if (this.elementPieces.length === 0) {
      cutting.onElement(last);
      return;
    }
    const whole = new Uint8Array(this.elementLength + last.length);
    let at = 0;
    for (const part of this.elementPieces) {
      whole.set(part, at);
      at += part.length;
    }
    whole.set(last, at);
    this.elementPieces = [];
    this.elementLength = 0;
    cutting.onElement(whole);
  }
}

/** A key's text from its raw bytes (escapes decoded as JSON would). */
function keyText(raw: readonly number[]): string | undefined {
  const bytes = Uint8Array.from(raw);
  if (!raw.includes(BACKSLASH)) return Buffer.from(bytes).toString('utf8');
  try {
    return JSON.parse(`"${Buffer.from(bytes).toString('utf8')}"`) as string;
  } catch {
    return undefined;
  }
}
