// The out-of-rotation list (docs/dns.md "Out of rotation"): tasks, apps and agents held back from
// answers until a given time. Pure: entries in, entries or a matcher out; the clock is a parameter.

export const ROTATION_KINDS = ['task', 'app', 'agent'] as const;
export type RotationKind = (typeof ROTATION_KINDS)[number];

export interface RotationEntry {
  readonly kind: RotationKind;
  /** task: a task ID; app: a task name as Mesos names it, or its DNS label; agent: an agent ID or hostname. */
  readonly value: string;
  /** Epoch ms after which the entry no longer applies. */
  readonly until: number;
  readonly reason?: string;
}

/** Bounds of the list (constants): a list of names an operator types, not a data store. */
export const ROTATION_LIMITS = Object.freeze({
  maxEntries: 10_000,
  maxSeconds: 7 * 24 * 3600,
  maxValueLength: 255,
  maxReasonLength: 256,
});

export function isRotationKind(text: string): text is RotationKind {
  return (ROTATION_KINDS as readonly string[]).includes(text);
}

export function entryKey(kind: RotationKind, value: string): string {
  return `${kind}\u0000${value}`;
}

/** The entries still in force at `now`. */
export function activeEntries(entries: readonly RotationEntry[], now: number): RotationEntry[] {
  return entries.filter((e) => e.until > now);
}

/** The earliest `until` among the entries, or undefined when there are none. */
export function nextExpiry(entries: readonly RotationEntry[]): number | undefined {
  let next: number | undefined;
  for (const e of entries) if (next === undefined || e.until < next) next = e.until;
  return next;
}

/** What generation knows about a running task, to decide whether it is out of rotation. */
export interface RotationTask {
  readonly id: string;
  readonly name: string;
  /** The task name's DNS label (what answers are named after). */
  readonly label: string;
  readonly agentId: string;
  readonly agentHostname: string;
}

/** The entries in force now, and a way to hear when they change (the state source reads this). */
export interface RotationView {
  active(): RotationEntry[];
  onChange(listener: () => void): () => void;
}

export interface RotationMatcher {
  readonly empty: boolean;
  isOut(task: RotationTask): boolean;
}

/** A matcher over entries already filtered to the active ones. App names compare case-insensitively, like DNS. */
export function createRotationMatcher(entries: readonly RotationEntry[]): RotationMatcher {
  const tasks = new Set<string>();
  const apps = new Set<string>();
  const agents = new Set<string>();
  for (const e of entries) {
    if (e.kind === 'task') tasks.add(e.value);
    else if (e.kind === 'app') apps.add(e.value.toLowerCase());
    else agents.add(e.value.toLowerCase());
  }
  return {
    empty: entries.length === 0,
    isOut: (t) =>
      tasks.has(t.id) ||
      (apps.size > 0 && (apps.has(t.name.toLowerCase()) || apps.has(t.label))) ||
      (agents.size > 0 && (agents.has(t.agentId.toLowerCase()) || agents.has(t.agentHostname.toLowerCase()))),
  };
}

export type AddResult = { readonly ok: true; readonly entries: RotationEntry[] } | { readonly ok: false; readonly problem: string };

/** The list with `entry` added (replacing one of the same kind and value); refused when the list is full. */
export function withEntry(entries: readonly RotationEntry[], entry: RotationEntry, now: number): AddResult {
  const key = entryKey(entry.kind, entry.value);
  const rest = activeEntries(entries, now).filter((e) => entryKey(e.kind, e.value) !== key);
  if (rest.length >= ROTATION_LIMITS.maxEntries) return { ok: false, problem: `the list is full (${ROTATION_LIMITS.maxEntries} entries)` };
  return { ok: true, entries: [...rest, entry] };
}

/** The list without the entry of that kind and value; `removed` says whether there was one. */
export function withoutEntry(entries: readonly RotationEntry[], kind: RotationKind, value: string): { entries: RotationEntry[]; removed: boolean } {
  const key = entryKey(kind, value);
  const out = entries.filter((e) => entryKey(e.kind, e.value) !== key);
  return { entries: out, removed: out.length !== entries.length };
}

export type ParsedAdd = { readonly ok: true; readonly entry: RotationEntry } | { readonly ok: false; readonly problem: string };

/** Reads a POST body {"kind","value","seconds","reason"?} into an entry ending `seconds` after `now`. */
export function parseAddRequest(body: string, now: number): ParsedAdd {
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch {
    return { ok: false, problem: 'the body must be a JSON object {"kind","value","seconds","reason"}' };
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    return { ok: false, problem: 'the body must be a JSON object {"kind","value","seconds","reason"}' };
  }
  const { kind, value, seconds, reason } = doc as Record<string, unknown>;
  if (typeof kind !== 'string' || !isRotationKind(kind)) return { ok: false, problem: `kind must be one of ${ROTATION_KINDS.join(', ')}` };
  const valueProblem = checkValue(value);
  if (valueProblem) return { ok: false, problem: valueProblem };
  if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 1 || seconds > ROTATION_LIMITS.maxSeconds) {
    return { ok: false, problem: `seconds must be an integer from 1 to ${ROTATION_LIMITS.maxSeconds}` };
  }
  if (reason !== undefined && (typeof reason !== 'string' || reason.length > ROTATION_LIMITS.maxReasonLength)) {
    return { ok: false, problem: `reason must be a string of at most ${ROTATION_LIMITS.maxReasonLength} characters` };
  }
  const entry: RotationEntry = { kind, value: value as string, until: now + seconds * 1000, ...(reason ? { reason } : {}) };
  return { ok: true, entry };
}

export function checkValue(value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '' || value.length > ROTATION_LIMITS.maxValueLength || /[\u0000-\u001f]/.test(value)) {
    return `value must be a non-empty string of at most ${ROTATION_LIMITS.maxValueLength} characters, without control characters`;
  }
  return undefined;
}

/** Reads a stored list (the ZooKeeper znode, or anything else untrusted), keeping only well-formed entries. */
export function parseStoredList(text: string): RotationEntry[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return [];
  }
  if (!Array.isArray(doc)) return [];
  const out: RotationEntry[] = [];
  for (const item of doc.slice(0, ROTATION_LIMITS.maxEntries)) {
    if (typeof item !== 'object' || item === null) continue;
    const { kind, value, until, reason } = item as Record<string, unknown>;
    if (typeof kind !== 'string' || !isRotationKind(kind) || checkValue(value) || typeof until !== 'number' || !Number.isFinite(until)) continue;
    out.push({ kind, value: value as string, until, ...(typeof reason === 'string' && reason !== '' ? { reason: reason.slice(0, ROTATION_LIMITS.maxReasonLength) } : {}) });
  }
  return out;
}
