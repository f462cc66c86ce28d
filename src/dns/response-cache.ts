// The hot path's store of encoded replies (pure data structure, no timers). Replies are encoded once per
// table snapshot and config, keyed by the question's exact octets (name as spelled, type, class) and
// the EDNS state, so a hit is byte-identical to what the general path would encode for that query
// (modulo the shuffle order): only the ID and the RD/CD bits are patched in. Keying by spelling rather
// than by lower-cased name keeps compression exact: an owner name may point into the question, and a
// lower-case A owner must not take a mixed-case question's spelling (spec §7).
//
// Each entry holds a few pre-shuffled answer orders. `full` replies (nothing dropped) serve every size
// limit at least as large as them; replies that had to be cut for a smaller limit are kept per limit.
// Bounded in entries and bytes; eviction is FIFO with a second chance for entries hit since.
import type { Config } from '../config/types.js';
import type { TableSnapshot } from '../records/store.js';
import type { MesosOutcome } from './resolve.js';

export interface CachedMeta {
  readonly qtype: number;
  readonly rcode: number;
  readonly outcome: MesosOutcome;
}

interface Entry {
  readonly meta: CachedMeta;
  full: readonly Uint8Array[] | undefined;
  fullLength: number;
  limited: Map<number, readonly Uint8Array[]> | undefined;
  bytes: number;
  used: boolean;
}

export interface CacheHit {
  readonly replies: readonly Uint8Array[];
  readonly meta: CachedMeta;
}

export interface ResponseCacheOptions {
  readonly maxEntries?: number;
  readonly maxBytes?: number;
  /** Distinct size limits kept per entry for cut replies. */
  readonly maxLimitsPerEntry?: number;
}

export interface ResponseCache {
  /** A hit for this key and size limit, valid for exactly this snapshot and config object. */
  get(key: string, snapshot: TableSnapshot | undefined, config: Config, limit: number): CacheHit | undefined;
  /** Stores replies encoded for `limit`; `complete` when nothing had to be dropped to fit it. */
  put(
    key: string,
    snapshot: TableSnapshot,
    config: Config,
    limit: number,
    complete: boolean,
    replies: readonly Uint8Array[],
    meta: CachedMeta,
  ): void;
  clear(): void;
  /** Replies adding up to more than this are not cached (one entry never crowds out many). */
  readonly maxEntryBytes: number;
  readonly size: number;
  readonly bytes: number;
}

const ENTRY_OVERHEAD = 96;

export const DEFAULT_CACHE_MAX_ENTRIES = 20_000;
export const DEFAULT_CACHE_MAX_BYTES = 32 * 1024 * 1024;

export function createResponseCache(options: ResponseCacheOptions = {}): ResponseCache {
  const maxEntries = options.maxEntries ?? DEFAULT_CACHE_MAX_ENTRIES;
  const maxBytes = options.maxBytes ?? DEFAULT_CACHE_MAX_BYTES;
  const maxLimits = options.maxLimitsPerEntry ?? 4;
  const maxEntryBytes = Math.floor(maxBytes / 16);
  let entries = new Map<string, Entry>();
  let bytes = 0;
  let forSnapshot: TableSnapshot | undefined;
  let forConfig: Config | undefined;

  function clear(): void {
    entries = new Map();
    bytes = 0;
  }

  /** Entries are only valid for the snapshot and config they were encoded from. */
  function sync(snapshot: TableSnapshot | undefined, config: Config): void {
    if (snapshot === forSnapshot && config === forConfig) return;
    clear();
    forSnapshot = snapshot;
    forConfig = config;
  }

  function evict(): void {
    let secondChances = entries.size;
    while (entries.size > maxEntries || bytes > maxBytes) {
      const oldest = entries.entries().next();
      if (oldest.done) return;
      const [key, entry] = oldest.value;
      entries.delete(key);
      if (entry.used && secondChances-- > 0) {
        entry.used = false;
        entries.set(key, entry);
        continue;
      }
      bytes -= entry.bytes;
    }
  }

  return {
    get(key, snapshot, config, limit) {
      if (snapshot === undefined) return undefined;
      sync(snapshot, config);
      const entry = entries.get(key);
      if (!entry) return undefined;
      let replies: readonly Uint8Array[] | undefined;
      if (entry.full && entry.fullLength <= limit) replies = entry.full;
      else replies = entry.limited?.get(limit);
      if (!replies) return undefined;
      entry.used = true;
      return { replies, meta: entry.meta };
    },
    put(key, snapshot, config, limit, complete, replies, meta) {
      sync(snapshot, config);
      let size = 0;
      for (const r of replies) size += r.length;
      if (size + key.length + ENTRY_OVERHEAD > maxEntryBytes) return;
      let entry = entries.get(key);
      if (!entry) {
        entry = { meta, full: undefined, fullLength: 0, limited: undefined, bytes: key.length + ENTRY_OVERHEAD, used: false };
        entries.set(key, entry);
        bytes += entry.bytes;
      }
      if (complete) {
        if (entry.full) return;
        let longest = 0;
        for (const r of replies) longest = Math.max(longest, r.length);
        entry.full = replies;
        entry.fullLength = longest;
      } else {
        entry.limited ??= new Map();
        if (entry.limited.has(limit)) return;
        if (entry.limited.size >= maxLimits) {
          // Keep the most recent limits: clients' EDNS sizes vary, the common ones come back.
          const [oldLimit, oldReplies] = entry.limited.entries().next().value as [number, readonly Uint8Array[]];
          entry.limited.delete(oldLimit);
          let freed = 0;
          for (const r of oldReplies) freed += r.length;
          entry.bytes -= freed;
          bytes -= freed;
        }
        entry.limited.set(limit, replies);
      }
      entry.bytes += size;
      bytes += size;
      evict();
    },
    clear,
    maxEntryBytes,
    get size() {
      return entries.size;
    },
    get bytes() {
      return bytes;
    },
  };
}
