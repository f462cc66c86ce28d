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
  const n = text.length;
  let i = 0;
  const stack: number[] = [];
  const fail = (problem: string): JsonErrorPlace => ({ offset: i, problem: i >= n ? 'unexpected end of input' : problem });
  const skipSpace = (): void => {
    for (let c = text.charCodeAt(i); c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d; c = text.charCodeAt(++i));
  };
  const readString = (): JsonErrorPlace | undefined => {
    i++; // the opening quote
    for (;;) {
      if (i >= n) return fail('');
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return undefined;
      }
      if (c < 0x20) return fail('control character in a string');
      if (c !== 0x5c) {
        i++;
        continue;
      }
      const e = text.charCodeAt(i + 1);
      if (e === 0x75) {
        for (let k = 2; k < 6; k++) {
          if (!isHex(text.charCodeAt(i + k))) {
            i += k;
            return fail('invalid \\u escape in a string');
          }
        }
        i += 6;
      } else if (i + 1 < n && '"\\/bfnrt'.includes(text.charAt(i + 1))) {
        i += 2;
      } else {
        i++;
        return fail('invalid escape in a string');
      }
    }
  };
  const readNumber = (): JsonErrorPlace | undefined => {
    if (text.charCodeAt(i) === 0x2d) i++;
    if (text.charCodeAt(i) === 0x30) i++;
    else if (isDigit(text.charCodeAt(i))) while (isDigit(text.charCodeAt(i))) i++;
    else return fail('invalid number');
    if (text.charCodeAt(i) === 0x2e) {
      i++;
      if (!isDigit(text.charCodeAt(i))) return fail('invalid number');
      while (isDigit(text.charCodeAt(i))) i++;
    }
    const e = text.charCodeAt(i);
    if (e === 0x65 || e === 0x45) {
      i++;
      const sign = text.charCodeAt(i);
      if (sign === 0x2b || sign === 0x2d) i++;
      if (!isDigit(text.charCodeAt(i))) return fail('invalid number');
      while (isDigit(text.charCodeAt(i))) i++;
    }
    return undefined;
  };
  /** A property name and its colon; leaves i at the value. */
  const readKey = (): JsonErrorPlace | undefined => {
    skipSpace();
    if (text.charCodeAt(i) !== 0x22) return fail('expected a property name');
    const bad = readString();
    if (bad) return bad;
    skipSpace();
    if (text.charCodeAt(i) !== 0x3a) return fail("expected ':'");
    i++;
    return undefined;
  };

  for (;;) {
    // A value starts here.
    skipSpace();
    const c = text.charCodeAt(i);
    if (c === 0x7b || c === 0x5b) {
      i++;
      skipSpace();
      if (text.charCodeAt(i) !== (c === 0x7b ? 0x7d : 0x5d)) {
        stack.push(c === 0x7b ? OBJECT : ARRAY);
        if (c === 0x7b) {
          const bad = readKey();
          if (bad) return bad;
        }
        continue;
      }
      i++;
    } else if (c === 0x22) {
      const bad = readString();
      if (bad) return bad;
    } else if (c === 0x2d || isDigit(c)) {
      const bad = readNumber();
      if (bad) return bad;
    } else {
      const literal = ['true', 'false', 'null'].find((word) => text.startsWith(word, i));
      if (literal === undefined) return fail('unexpected character');
      i += literal.length;
    }
    // After a value: close containers until one continues with a comma.
    for (;;) {
      skipSpace();
      const top = stack.at(-1);
      if (top === undefined) return i < n ? fail('unexpected text after the document') : undefined;
      const d = text.charCodeAt(i);
      if (d === 0x2c) {
        i++;
        if (top === OBJECT) {
          const bad = readKey();
          if (bad) return bad;
        }
        break;
      }
      if (d === (top === OBJECT ? 0x7d : 0x5d)) {
        i++;
        stack.pop();
        continue;
      }
      return fail(top === OBJECT ? "expected ',' or '}'" : "expected ',' or ']'");
    }
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
