// The out-of-rotation list of this instance (docs/dns.md "Out of rotation"): held in memory, changed
// through the HTTP API, and telling its listeners (the state source, which rebuilds the table) when
// the entries in force change, including when one expires.
import {
  type AddResult,
  type RotationEntry,
  type RotationKind,
  activeEntries,
  nextExpiry,
  withEntry,
  withoutEntry,
} from '../records/rotation-list.js';

/** What the HTTP API changes the list through: this instance's memory, or the shared ZooKeeper copy. */
export interface RotationControl {
  /** The entries in force. */
  active(): RotationEntry[];
  add(entry: RotationEntry): Promise<AddResult>;
  remove(kind: RotationKind, value: string): Promise<boolean>;
}

/** What the state source reads: the entries in force, and a call when they change. */
export type { RotationView } from '../records/rotation-list.js';
import type { RotationView } from '../records/rotation-list.js';

export interface RotationStore extends RotationView {
  add(entry: RotationEntry): AddResult;
  remove(kind: RotationKind, value: string): boolean;
  /** Takes a list read elsewhere (the shared ZooKeeper copy) as this instance's. */
  replace(entries: readonly RotationEntry[]): void;
  close(): void;
}

/** Longest single timer wait; a later expiry re-arms (setTimeout overflows beyond 2^31-1 ms). */
const MAX_TIMER_MS = 2 ** 31 - 1;

export function createRotationStore(options: { readonly now?: () => number } = {}): RotationStore {
  const now = options.now ?? Date.now;
  let entries: RotationEntry[] = [];
  const listeners = new Set<() => void>();
  let expiryTimer: NodeJS.Timeout | undefined;

  function armExpiry(): void {
    clearTimeout(expiryTimer);
    expiryTimer = undefined;
    const next = nextExpiry(entries);
    if (next === undefined) return;
    expiryTimer = setTimeout(onExpiry, Math.min(MAX_TIMER_MS, Math.max(0, next - now()) + 1));
    expiryTimer.unref();
  }

  function onExpiry(): void {
    const before = entries.length;
    entries = activeEntries(entries, now());
    armExpiry();
    if (entries.length !== before) changed();
  }

  function changed(): void {
    for (const l of listeners) l();
  }

  function set(next: RotationEntry[]): void {
    entries = next;
    armExpiry();
    changed();
  }

  return {
    active: () => activeEntries(entries, now()),
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    add(entry) {
      const result = withEntry(entries, entry, now());
      if (result.ok) set(result.entries);
      return result;
    },
    remove(kind, value) {
      const result = withoutEntry(entries, kind, value);
      if (result.removed) set(result.entries);
      return result.removed;
    },
    replace(next) {
      if (JSON.stringify(next) === JSON.stringify(entries)) return;
      set(activeEntries(next, now()));
    },
    close() {
      clearTimeout(expiryTimer);
      listeners.clear();
    },
  };
}
