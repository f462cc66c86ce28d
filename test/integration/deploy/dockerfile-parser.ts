// A small Dockerfile parser for checking ours without a Docker engine: parser directives, comments,
// continuation lines (the escape character at the end of a line), instruction names, leading
// `--flag=value` options, and JSON ("exec") form arguments. Heredocs and ONBUILD triggers are not
// supported (we use neither) and are reported as problems rather than misread.

export const INSTRUCTIONS = [
  'ADD',
  'ARG',
  'CMD',
  'COPY',
  'ENTRYPOINT',
  'ENV',
  'EXPOSE',
  'FROM',
  'HEALTHCHECK',
  'LABEL',
  'MAINTAINER',
  'ONBUILD',
  'RUN',
  'SHELL',
  'STOPSIGNAL',
  'USER',
  'VOLUME',
  'WORKDIR',
] as const;
export type InstructionName = (typeof INSTRUCTIONS)[number];

export interface Instruction {
  readonly name: InstructionName;
  /** 1-based line of the instruction's first line. */
  readonly line: number;
  /** Leading `--name=value` options (COPY --from, HEALTHCHECK --interval...), `--name` alone as "". */
  readonly flags: Readonly<Record<string, string>>;
  /** The argument text after the flags, continuation lines joined with nothing between them. */
  readonly text: string;
  /**
   * The JSON-form arguments when `text` is a JSON array of strings, else undefined (shell form). For
   * HEALTHCHECK: the command after CMD.
   */
  readonly json: readonly string[] | undefined;
}

export interface ParsedDockerfile {
  readonly directives: Readonly<Record<string, string>>;
  readonly instructions: readonly Instruction[];
  /** Each problem names its line. */
  readonly problems: readonly string[];
}

export interface Stage {
  readonly index: number;
  readonly name: string | undefined;
  readonly image: string;
  readonly instructions: readonly Instruction[];
}

const DIRECTIVE = /^#\s*([a-zA-Z][a-zA-Z0-9_-]*)\s*=\s*(.*?)\s*$/;

function parseJsonForm(text: string): string[] | undefined {
  if (!text.startsWith('[')) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value as string[];
  } catch {
    // Docker falls back to the shell form when the JSON does not parse.
  }
  return undefined;
}

function splitFlags(text: string): { flags: Record<string, string>; rest: string } {
  const flags: Record<string, string> = {};
  let rest = text;
  for (;;) {
    const match = /^--([a-zA-Z][a-zA-Z0-9-]*)(?:=(\S*))?(?:\s+|$)/.exec(rest);
    if (!match) break;
    flags[match[1] as string] = match[2] ?? '';
    rest = rest.slice(match[0].length);
  }
  return { flags, rest };
}

export function parseDockerfile(source: string): ParsedDockerfile {
  const lines = source.split(/\r?\n/);
  const directives: Record<string, string> = {};
  const problems: string[] = [];
  const instructions: Instruction[] = [];

  // Parser directives: only at the very top, before any other comment, blank line or instruction.
  let i = 0;
  for (; i < lines.length; i++) {
    const match = DIRECTIVE.exec(lines[i] as string);
    if (!match) break;
    directives[(match[1] as string).toLowerCase()] = match[2] as string;
  }
  const escape = directives['escape'] ?? '\\';
  if (escape !== '\\' && escape !== '`') problems.push(`line 1: invalid escape directive ${JSON.stringify(escape)}`);

  while (i < lines.length) {
    const raw = lines[i] as string;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) {
      i++;
      continue;
    }
    const startLine = i + 1;
    let text = '';
    let current = raw.trimStart();
    for (;;) {
      const stripped = current.replace(/\s+$/, '');
      if (stripped.endsWith(escape)) {
        text += stripped.slice(0, -escape.length);
        i++;
        // Comment lines and blank lines inside a continuation are skipped.
        while (i < lines.length && /^\s*(#.*)?$/.test(lines[i] as string)) i++;
        if (i >= lines.length) {
          problems.push(`line ${startLine}: continuation runs past the end of the file`);
          break;
        }
        current = lines[i] as string;
        continue;
      }
      text += current;
      i++;
      break;
    }
    const match = /^(\S+)\s*([\s\S]*)$/.exec(text.trim());
    if (!match) continue;
    const name = (match[1] as string).toUpperCase();
    const args = (match[2] as string).trim();
    if (!(INSTRUCTIONS as readonly string[]).includes(name)) {
      problems.push(`line ${startLine}: unknown instruction ${match[1] as string}`);
      continue;
    }
    if (/<<-?["']?[A-Za-z_]/.test(args) && (name === 'RUN' || name === 'COPY')) {
      problems.push(`line ${startLine}: heredocs are not supported by this parser`);
    }
    const { flags, rest } = splitFlags(args);
    // HEALTHCHECK's command follows its CMD keyword: that part is what may be in JSON form.
    const command = name === 'HEALTHCHECK' ? rest.replace(/^CMD\s+/i, '') : rest;
    const instruction: Instruction = { name: name as InstructionName, line: startLine, flags, text: rest, json: parseJsonForm(command) };
    problems.push(...checkInstruction(instruction));
    instructions.push(instruction);
  }
  if (instructions[0] && instructions[0].name !== 'FROM' && instructions[0].name !== 'ARG') {
    problems.push(`line ${instructions[0].line}: the first instruction must be FROM (or ARG)`);
  }
  return { directives, instructions, problems };
}

/** Shell-style words of a shell-form argument (quotes removed; no variable expansion). */
export function shellWords(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let quote: '"' | "'" | undefined;
  let inWord = false;
  for (let k = 0; k < text.length; k++) {
    const c = text[k] as string;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && k + 1 < text.length) word += text[++k];
      else word += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c === '\\' && k + 1 < text.length ? text[++k] : c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/** ENV's `KEY=value KEY2="v 2"` pairs (or the legacy `KEY value` form). */
export function envPairs(text: string): [string, string][] {
  const words = shellWords(text);
  if (words.length >= 1 && !(words[0] as string).includes('=')) {
    return [[words[0] as string, text.trim().slice((words[0] as string).length).trim()]];
  }
  return words.map((w) => {
    const eq = w.indexOf('=');
    return [w.slice(0, eq), w.slice(eq + 1)];
  });
}

function checkInstruction(ins: Instruction): string[] {
  const at = `line ${ins.line}: ${ins.name}`;
  const words = shellWords(ins.text);
  switch (ins.name) {
    case 'FROM':
      if (words.length !== 1 && !(words.length === 3 && (words[1] as string).toUpperCase() === 'AS')) return [`${at} expects IMAGE [AS NAME]`];
      return [];
    case 'COPY':
    case 'ADD': {
      const args = ins.json ?? words;
      return args.length >= 2 ? [] : [`${at} needs at least one source and a destination`];
    }
    case 'EXPOSE':
      return words.every((w) => /^\d{1,5}(-\d{1,5})?(\/(tcp|udp|sctp))?$/i.test(w)) && words.length > 0
        ? []
        : [`${at} has an invalid port ${JSON.stringify(ins.text)}`];
    case 'ENV':
    case 'LABEL':
      return envPairs(ins.text).every(([k]) => k !== '') ? [] : [`${at} has an empty key`];
    case 'HEALTHCHECK': {
      const first = (words[0] ?? '').toUpperCase();
      if (first === 'NONE') return words.length === 1 ? [] : [`${at} NONE takes no arguments`];
      if (first !== 'CMD') return [`${at} expects CMD or NONE`];
      const known = ['interval', 'timeout', 'start-period', 'start-interval', 'retries'];
      const unknown = Object.keys(ins.flags).filter((f) => !known.includes(f));
      return unknown.length === 0 ? [] : [`${at} has unknown options ${unknown.join(', ')}`];
    }
    case 'CMD':
    case 'ENTRYPOINT':
    case 'RUN':
    case 'SHELL':
      if (ins.text.startsWith('[') && ins.json === undefined) return [`${at} looks like JSON form but does not parse as an array of strings`];
      if (ins.name === 'SHELL' && ins.json === undefined) return [`${at} must use the JSON form`];
      return [];
    case 'USER':
    case 'WORKDIR':
    case 'STOPSIGNAL':
      return words.length === 1 ? [] : [`${at} takes one argument`];
    case 'ONBUILD':
      return [`${at} is not supported by this parser`];
    default:
      return [];
  }
}

/** Splits instructions into build stages (each starting at FROM). */
export function stagesOf(parsed: ParsedDockerfile): Stage[] {
  const stages: Stage[] = [];
  let current: { name: string | undefined; image: string; instructions: Instruction[] } | undefined;
  for (const ins of parsed.instructions) {
    if (ins.name === 'FROM') {
      const words = shellWords(ins.text);
      current = { image: words[0] as string, name: words[2]?.toLowerCase(), instructions: [] };
      stages.push({ index: stages.length, ...current, instructions: current.instructions });
      continue;
    }
    current?.instructions.push(ins);
  }
  return stages;
}

/** The stage's effective WORKDIR after its last WORKDIR instruction ("/" when none). */
export function workdirOf(stage: Stage): string {
  let dir = '/';
  for (const ins of stage.instructions) {
    if (ins.name !== 'WORKDIR') continue;
    const next = shellWords(ins.text)[0] as string;
    dir = next.startsWith('/') ? next : `${dir.replace(/\/$/, '')}/${next}`;
  }
  return dir;
}

/** The stage's ENV, in order (later values win). */
export function envOf(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const ins of stage.instructions) if (ins.name === 'ENV') for (const [k, v] of envPairs(ins.text)) env[k] = v;
  return env;
}

/** The last instruction of a kind in a stage. */
export function lastOf(stage: Stage, name: InstructionName): Instruction | undefined {
  return stage.instructions.filter((i) => i.name === name).at(-1);
}

function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let k = 0; k < pattern.length; k++) {
    const c = pattern[k] as string;
    if (c === '*' && pattern[k + 1] === '*') {
      re += '.*';
      k++;
      if (pattern[k + 1] === '/') k++;
    } else if (c === '*') {
      re += '[^/]*';
    } else if (c === '?') {
      re += '[^/]';
    } else {
      re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${re}$`);
}

/**
 * .dockerignore semantics for a path relative to the context root: patterns are globs (`*`, `?`,
 * `**`), a pattern also matches everything below a directory it matches, `!` re-includes, and the
 * last matching line wins.
 */
export function createDockerignore(text: string): (path: string) => boolean {
  const rules = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const negate = l.startsWith('!');
      const pattern = (negate ? l.slice(1) : l).trim().replace(/^\/+/, '').replace(/\/+$/, '');
      return { negate, re: globToRegExp(pattern) };
    });
  return (path: string): boolean => {
    const parts = path.replace(/^\.\//, '').split('/');
    const prefixes = parts.map((_, k) => parts.slice(0, k + 1).join('/'));
    let excluded = false;
    for (const rule of rules) if (prefixes.some((p) => rule.re.test(p))) excluded = !rule.negate;
    return excluded;
  };
}
