// Holds the current record table. A new table replaces the old one with a single reference
// assignment, so a query that read `current()` once sees one whole table, never a mix.
import type { RecordTable } from './table.js';

export interface TableSnapshot {
  readonly table: RecordTable;
  /** SOA serial: strictly increasing per swap, never below the load time in seconds. */
  readonly serial: number;
  /** Wall-clock ms when the table was swapped in. */
  readonly loadedAt: number;
  /** 1 for the first table, +1 per swap. */
  readonly generation: number;
}

export interface RecordStore {
  /** The serving snapshot, or undefined until the first table arrives (behaviour §8 #19). */
  current(): TableSnapshot | undefined;
  swap(table: RecordTable): TableSnapshot;
  /** Called after every swap with the new and the previous snapshot. */
  onSwap(listener: (next: TableSnapshot, previous: TableSnapshot | undefined) => void): () => void;
}

export interface CreateRecordStoreOptions {
  readonly now?: () => number;
  /** Serial floor, e.g. a configured SOASerial. */
  readonly initialSerial?: number;
}

export function createRecordStore(options: CreateRecordStoreOptions = {}): RecordStore {
  const now = options.now ?? Date.now;
  let snapshot: TableSnapshot | undefined;
  let lastSerial = options.initialSerial ?? 0;
  const listeners = new Set<(next: TableSnapshot, previous: TableSnapshot | undefined) => void>();
  return {
    current: () => snapshot,
    swap(table) {
      const loadedAt = now();
      const serial = Math.max(lastSerial + 1, Math.floor(loadedAt / 1000)) >>> 0;
      lastSerial = serial;
      const previous = snapshot;
      const next: TableSnapshot = Object.freeze({
        table,
        serial,
        loadedAt,
        generation: (previous?.generation ?? 0) + 1,
      });
      snapshot = next;
      for (const listener of listeners) listener(next, previous);
      return next;
    },
    onSwap(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
