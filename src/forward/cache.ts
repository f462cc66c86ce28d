// The cache of upstream answers (the only importer of lru-cache).
//
// Bounded in entries and bytes (least recently used evicted first). What is stored: NOERROR and
// NXDOMAIN replies that are not truncated, for plain QUERY-opcode questions without EDNS Client
// Subnet. Lifetime: positive answers live for the smallest TTL of their answer and authority
// records; negative ones (NXDOMAIN, NODATA) for min(SOA TTL, SOA MINIMUM) (RFC 2308) and are not
// cached without an SOA; every lifetime is capped (1 day). A reply whose lifetime is 0 is not
// stored. A hit rewrites every TTL to what remains (decremented by whole elapsed seconds); an
// entry is never served at or past its expiry.
import { LRUCache } from 'lru-cache';
import { EdnsOption, Flag, Rcode, RrType, Section, soaMinimum, writeU32 } from './wire.js';
import type { MessageLayout } from './wire.js';

export const MAX_CACHE_TTL_SECONDS = 86_400;

/**
 * The cache (and de-duplication) key of a query, or undefined when its answer must not be
 * shared: lower-cased name, type, class, and the bits that change the answer (RD, CD, DO,
 * EDNS present).
 */
export function cacheKeyOf(query: MessageLayout): string | undefined {
  const q = query.question;
  if (!q || query.qdcount !== 1 || query.opcode !== 0) return undefined;
  if (query.opt?.options.some((o) => o.code === EdnsOption.ECS)) return undefined;
  const bits =
    (query.flags & Flag.RD ? 1 : 0) |
    (query.flags & Flag.CD ? 2 : 0) |
    (query.opt ? 4 : 0) |
    (query.opt?.doBit ? 8 : 0);
  return `${q.key}|${q.qtype}|${q.qclass}|${bits}`;
}

export interface CacheTtl {
  readonly ttl: number;
  readonly negative: boolean;
}

/** How long a reply may be cached, in seconds, or undefined when it must not be. */
export function cacheTtlOf(bytes: Uint8Array, layout: MessageLayout): CacheTtl | undefined {
  if (layout.flags & Flag.TC) return undefined;
  if ((layout.opt?.extendedRcode ?? 0) !== 0) return undefined;
  if (layout.rcode !== Rcode.NOERROR && layout.rcode !== Rcode.NXDOMAIN) return undefined;
  if (!layout.question || layout.qdcount !== 1) return undefined;
  const negative = layout.rcode === Rcode.NXDOMAIN || layout.ancount === 0;
  let ttl = MAX_CACHE_TTL_SECONDS;
  let soaSeen = false;
  for (const record of layout.records) {
    if (record.section === Section.ADDITIONAL) continue;
    ttl = Math.min(ttl, record.ttl);
    if (negative && record.section === Section.AUTHORITY && record.type === RrType.SOA) {
      const minimum = soaMinimum(bytes, record);
      if (minimum === undefined) return undefined;
      ttl = Math.min(ttl, minimum);
      soaSeen = true;
    }
  }
  if (negative && !soaSeen) return undefined;
  return ttl > 0 ? { ttl, negative } : undefined;
}

interface CacheEntry {
  readonly bytes: Uint8Array;
  readonly layout: MessageLayout;
  /** TTL offset and base TTL of each record (OPT excluded). */
  readonly ttlOffsets: Uint32Array;
  readonly baseTtls: Uint32Array;
  readonly storedAt: number;
  readonly expiresAt: number;
  readonly size: number;
}

export interface CacheHit {
  /** A fresh copy of the stored reply with TTLs rewritten (ID and question still the stored ones). */
  readonly bytes: Buffer;
  readonly layout: MessageLayout;
  /** Remaining lifetime in seconds. */
  readonly remaining: number;
}

export interface ForwardCacheOptions {
  readonly maxEntries: number;
  readonly maxBytes: number;
  /** Clock in milliseconds. */
  readonly now: () => number;
}

export interface ForwardCache {
  get(key: string): CacheHit | undefined;
  /** Stores a reply if it is cacheable; returns whether it did. */
  set(key: string, bytes: Uint8Array, layout: MessageLayout): boolean;
  clear(): void;
  readonly entries: number;
  readonly bytes: number;
}

const ENTRY_OVERHEAD = 160;
const RECORD_OVERHEAD = 80;

export function createForwardCache(options: ForwardCacheOptions): ForwardCache {
  const maxEntries = Math.max(1, Math.floor(options.maxEntries));
  const maxBytes = Math.max(1024, Math.floor(options.maxBytes));
  const lru = new LRUCache<string, CacheEntry>({
    max: maxEntries,
    maxSize: maxBytes,
    sizeCalculation: (entry, key) => entry.size + key.length,
  });
  const now = options.now;

  return {
    get(key) {
      const entry = lru.get(key);
      if (!entry) return undefined;
      const t = now();
      if (t >= entry.expiresAt) {
        lru.delete(key);
        return undefined;
      }
      const elapsed = Math.max(0, Math.floor((t - entry.storedAt) / 1000));
      const bytes = Buffer.from(entry.bytes);
      for (let i = 0; i < entry.ttlOffsets.length; i++) {
        writeU32(bytes, entry.ttlOffsets[i] as number, Math.max(0, (entry.baseTtls[i] as number) - elapsed));
      }
      return { bytes, layout: entry.layout, remaining: Math.ceil((entry.expiresAt - t) / 1000) };
    },
    set(key, bytes, layout) {
      const lifetime = cacheTtlOf(bytes, layout);
      if (!lifetime) return false;
      const records = layout.records.filter((r) => r.type !== RrType.OPT);
      const ttlOffsets = new Uint32Array(records.length);
      const baseTtls = new Uint32Array(records.length);
      records.forEach((r, i) => {
        ttlOffsets[i] = r.ttlOffset;
        // Capped; a negative answer's records (its SOA) carry the negative TTL (RFC 2308 §5).
        baseTtls[i] = lifetime.negative ? Math.min(r.ttl, lifetime.ttl) : Math.min(r.ttl, MAX_CACHE_TTL_SECONDS);
      });
      const storedAt = now();
      const entry: CacheEntry = {
        bytes: Uint8Array.from(bytes),
        layout,
        ttlOffsets,
        baseTtls,
        storedAt,
        expiresAt: storedAt + lifetime.ttl * 1000,
        size: bytes.length + ENTRY_OVERHEAD + RECORD_OVERHEAD * layout.records.length,
      };
      if (entry.size + key.length > maxBytes) return false;
      lru.set(key, entry);
      return lru.has(key);
    },
    clear() {
      lru.clear();
    },
    get entries() {
      return lru.size;
    },
    get bytes() {
      return lru.calculatedSize;
    },
  };
}
