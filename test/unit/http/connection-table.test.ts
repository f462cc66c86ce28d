// Which HTTP connection gives way to a new one: the per-client share, the global cap, idle before
// busy, fresh connections spared, the largest holder paying. Keys are plain strings; the clock is moved
// by hand.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConnectionTable, EvictionReason, FRESH_CONNECTION_MS } from '../../../src/http/connection-table.js';

function tableWithClock(): { table: ConnectionTable<string>; clock: { now: number } } {
  const clock = { now: 0 };
  return { table: new ConnectionTable<string>(() => clock.now), clock };
}

/** Adds connections `${client}#${i}`, one per ms. */
function open(table: ConnectionTable<string>, clock: { now: number }, client: string, count: number): string[] {
  const keys: string[] = [];
  for (let i = 0; i < count; i++) {
    clock.now += 1;
    const key = `${client}#${table.countOf(client)}`;
    table.add(key, client);
    keys.push(key);
  }
  return keys;
}

/** Serves one request on each key in turn, one ms apart. */
function serve(table: ConnectionTable<string>, clock: { now: number }, keys: string[]): void {
  for (const key of keys) {
    clock.now += 1;
    table.requestStarted(key);
    clock.now += 1;
    table.requestEnded(key);
  }
}

function busy(table: ConnectionTable<string>, clock: { now: number }, keys: string[]): void {
  for (const key of keys) {
    clock.now += 1;
    table.requestStarted(key);
  }
}

describe('ConnectionTable', () => {
  const caps = { maxConnections: 10, maxPerClient: 4 };

  it('takes connections without eviction below both caps', () => {
    const { table, clock } = tableWithClock();
    open(table, clock, 'a', 3);
    open(table, clock, 'b', 4);
    assert.equal(table.admit('a', caps), undefined);
    assert.equal(table.admit('c', caps), undefined);
    assert.equal(table.size, 7);
  });

  it('a client at its share loses its own least recently active idle connection', () => {
    const { table, clock } = tableWithClock();
    const other = open(table, clock, 'b', 2);
    const own = open(table, clock, 'a', 4);
    serve(table, clock, [...own, ...other]);
    serve(table, clock, [own[0] as string]);
    assert.deepEqual(table.admit('a', caps), { victim: own[1], reason: EvictionReason.CLIENT_IDLE, client: 'a' });
  });

  it('a client at its share with every connection busy loses its own longest-busy one', () => {
    const { table, clock } = tableWithClock();
    const own = open(table, clock, 'a', 4);
    open(table, clock, 'b', 2);
    busy(table, clock, [own[2] as string, own[0] as string, own[3] as string, own[1] as string]);
    assert.deepEqual(table.admit('a', caps), { victim: own[2], reason: EvictionReason.CLIENT_BUSY, client: 'a' });
  });

  it('spares a fresh connection that has not sent its request yet, until FRESH_CONNECTION_MS', () => {
    const { table, clock } = tableWithClock();
    const own = open(table, clock, 'a', 3);
    busy(table, clock, own);
    const [fresh] = open(table, clock, 'a', 1);
    // At its share: the busy ones are older than the fresh one, so the longest-busy goes.
    assert.deepEqual(table.admit('a', caps), { victim: own[0], reason: EvictionReason.CLIENT_BUSY, client: 'a' });
    clock.now += FRESH_CONNECTION_MS;
    // A connection silent this long is as good as idle: it goes before any busy one.
    assert.deepEqual(table.admit('a', caps), { victim: fresh, reason: EvictionReason.CLIENT_IDLE, client: 'a' });
  });

  it('a full server closes the least recently active idle connection of anyone', () => {
    const { table, clock } = tableWithClock();
    const a = open(table, clock, 'a', 4);
    const b = open(table, clock, 'b', 3);
    const c = open(table, clock, 'c', 3);
    serve(table, clock, [...b, ...a, ...c]);
    serve(table, clock, [b[0] as string]);
    assert.deepEqual(table.admit('d', caps), { victim: b[1], reason: EvictionReason.IDLE, client: 'b' });
  });

  it('a full server of busy connections closes the longest-busy one of the client holding the most', () => {
    const { table, clock } = tableWithClock();
    const small = open(table, clock, 'small', 2);
    const large = open(table, clock, 'large', 4);
    const mid = open(table, clock, 'mid', 4);
    // The smallest holder has been busy the longest, and still keeps its connections.
    busy(table, clock, [...small, ...mid, ...large]);
    assert.deepEqual(table.admit('new', caps), { victim: mid[0], reason: EvictionReason.BUSY, client: 'mid' });
  });

  it('a full server of fresh connections closes the oldest of the largest holder, never the newest', () => {
    const { table, clock } = tableWithClock();
    const a = open(table, clock, 'a', 4);
    open(table, clock, 'b', 4);
    open(table, clock, 'c', 2);
    assert.deepEqual(table.admit('d', caps), { victim: a[0], reason: EvictionReason.IDLE, client: 'a' });
  });

  it('a share at or above the cap is no per-client limit: the global rule applies', () => {
    const { table, clock } = tableWithClock();
    const a = open(table, clock, 'a', 10);
    clock.now += FRESH_CONNECTION_MS;
    assert.deepEqual(table.admit('a', { maxConnections: 10, maxPerClient: 64 }), { victim: a[0], reason: EvictionReason.IDLE, client: 'a' });
    assert.equal(table.admit('a', { maxConnections: 11, maxPerClient: 64 }), undefined);
  });

  it('forgets removed connections, and removing or ending twice is harmless', () => {
    const { table, clock } = tableWithClock();
    const [key] = open(table, clock, 'a', 1) as [string];
    table.requestStarted(key);
    assert.equal(table.remove(key), true);
    assert.equal(table.remove(key), false);
    table.requestEnded(key);
    table.requestStarted('unknown');
    assert.equal(table.size, 0);
    assert.equal(table.countOf('a'), 0);
    assert.deepEqual([...table.idleConnections()], []);
  });

  it('idleConnections() lists exactly the connections with no request in flight', () => {
    const { table, clock } = tableWithClock();
    const keys = open(table, clock, 'a', 3);
    busy(table, clock, [keys[1] as string]);
    assert.deepEqual([...table.idleConnections()].sort(), [keys[0], keys[2]]);
    table.requestEnded(keys[1] as string);
    table.requestEnded(keys[1] as string);
    assert.deepEqual([...table.idleConnections()].sort(), keys);
  });
});
