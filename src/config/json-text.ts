// JSON parsing for files that hold secrets (config.json, the IAM service-account file). JSON.parse's
// messages quote the text around a syntax error ("Unexpected token 'h', ..."Secret": hunter2"..."),
// which would carry a password or a private key into stderr and the logs. These errors name only the
// line, the column and what was expected there. Pure.

import type { Parsed } from '../net/host-port.js';

export interface JsonErrorPlace {
  /** UTF-16 offset of the first character that cannot continue a JSON text (the length at the end). */
  readonly offset: number;
  readonly problem: string;
}

const OBJECT = 0;
const ARRAY = 1;

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isHex(c: number): boolean {
  return isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/** Where a JSON text (RFC 8259, what JSON.parse accepts) first goes wrong; undefined when valid. Iterative. */
export function locateJsonError(text: string): JsonErrorPlace | undefined {
  return new JsonScanner(text).scan();
}

/** 'next': a value starts at the cursor; 'done': the document ended well. */
type Step = JsonErrorPlace | 'next' | 'done';

class JsonScanner {
  private i = 0;
  /** The containers open around the cursor (OBJECT or ARRAY), innermost last. */
  private readonly stack: number[] = [];

  constructor(private readonly text: string) {}

  scan(): JsonErrorPlace | undefined {
    for (;;) {
      const step = this.value();
      if (step === 'done') return undefined;
      if (step !== 'next') return step;
    }
  }

  private fail(problem: string): JsonErrorPlace {
    return { offset: this.i, problem: this.i >= this.text.length ? 'unexpected end of input' : problem };
  }

  private at(offset = 0): number {
    return this.text.charCodeAt(this.i + offset);
  }

  private skipSpace(): void {
    for (let c = this.at(); c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d; c = this.text.charCodeAt(++this.i));
  }

  /** One value; a container only up to its first member, which the next step reads. */
  private value(): Step {
    this.skipSpace();
    const c = this.at();
    if (c === 0x7b || c === 0x5b) {
      this.i++;
      this.skipSpace();
      if (this.at() !== (c === 0x7b ? 0x7d : 0x5d)) {
        this.stack.push(c === 0x7b ? OBJECT : ARRAY);
        return (c === 0x7b ? this.key() : undefined) ?? 'next';
      }
      this.i++;
    } else if (c === 0x22) {
      const bad = this.string();
      if (bad) return bad;
    } else if (c === 0x2d || isDigit(c)) {
      const bad = this.number();
      if (bad) return bad;
    } else {
      const literal = ['true', 'false', 'null'].find((word) => this.text.startsWith(word, this.i));
      if (literal === undefined) return this.fail('unexpected character');
      this.i += literal.length;
    }
    return this.afterValue();
  }

  /** After a value: closes containers until one continues with a comma. */
  private afterValue(): Step {
    for (;;) {
      this.skipSpace();
      const top = this.stack.at(-1);
      if (top === undefined) return this.i < this.text.length ? this.fail('unexpected text after the document') : 'done';
      const d = this.at();
      if (d === 0x2c) {
        this.i++;
        return (top === OBJECT ? this.key() : undefined) ?? 'next';
      }
      if (d === (top === OBJECT ? 0x7d : 0x5d)) {
        this.i++;
        this.stack.pop();
        continue;
      }
      return this.fail(top === OBJECT ? "expected ',' or '}'" : "expected ',' or ']'");
    }
  }

  private string(): JsonErrorPlace | undefined {
    this.i++; // the opening quote
    for (;;) {
      if (this.i >= this.text.length) return this.fail('');
      const c = this.at();
      if (c === 0x22) {
        this.i++;
        return undefined;
      }
      if (c < 0x20) return this.fail('control character in a string');
      if (c !== 0x5c) {
        this.i++;
        continue;
      }
      const bad = this.escape();
      if (bad) return bad;
    }
  }

  private escape(): JsonErrorPlace | undefined {
    if (this.at(1) === 0x75) {
      for (let k = 2; k < 6; k++) {
        if (!isHex(this.at(k))) {
          this.i += k;
          return this.fail('invalid \\u escape in a string');
        }
      }
      this.i += 6;
    } else if (this.i + 1 < this.text.length && '"\\/bfnrt'.includes(this.text.charAt(this.i + 1))) {
      this.i += 2;
    } else {
      this.i++;
      return this.fail('invalid escape in a string');
    }
    return undefined;
  }

  private digits(): void {
    while (isDigit(this.at())) this.i++;
  }

  private number(): JsonErrorPlace | undefined {
    if (this.at() === 0x2d) this.i++;
    if (this.at() === 0x30) this.i++;
    else if (isDigit(this.at())) this.digits();
    else return this.fail('invalid number');
    if (this.at() === 0x2e) {
      this.i++;
      if (!isDigit(this.at())) return this.fail('invalid number');
      this.digits();
    }
    const e = this.at();
    if (e === 0x65 || e === 0x45) {
      this.i++;
      const sign = this.at();
      if (sign === 0x2b || sign === 0x2d) this.i++;
      if (!isDigit(this.at())) return this.fail('invalid number');
      this.digits();
    }
    return undefined;
  }

  /** A property name and its colon; leaves the cursor at the value. */
  private key(): JsonErrorPlace | undefined {
    this.skipSpace();
    if (this.at() !== 0x22) return this.fail('expected a property name');
    const bad = this.string();
    if (bad) return bad;
    this.skipSpace();
    if (this.at() !== 0x3a) return this.fail("expected ':'");
    this.i++;
    return undefined;
  }
}

/** "line L, column C" (both from 1) of an offset. */
function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

/**
 * JSON.parse, with a syntax error described by place only: "invalid JSON at line 3, column 14:
 * expected ':'" (`what` names the document: "invalid IAM JSON at ...").
 */
export function parseJsonText(text: string, what = 'JSON'): Parsed<unknown> {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    const place = locateJsonError(text);
    if (!place) return { ok: false, error: `invalid ${what}` };
    const { line, column } = lineAndColumn(text, place.offset);
    return { ok: false, error: `invalid ${what} at line ${line}, column ${column}: ${place.problem}` };
  }
}
