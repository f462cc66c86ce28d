// Who gets a DNS/TCP connection slot: each client's share, and the victim when the listener is full.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Occupant, admit } from '../../../src/dns/tcp-admission.js';

interface Conn extends Occupant {
  readonly name: string;
}

const conn = (name: string, source: string, state: 'idle' | 'busy' | 'closing' = 'idle', busySince = 0): Conn => ({
  name,
  source,
  idle: state !== 'busy',
  closing: state === 'closing',
  busySince,
});

function decide(source: string, open: Conn[], maxConnections: number, maxConnectionsPerClient: number) {
  const perSource = new Map<string, number>();
  for (const c of open) perSource.set(c.source, (perSource.get(c.source) ?? 0) + 1);
  const d = admit(source, () => open.values(), open.length, perSource, { maxConnections, maxConnectionsPerClient });
  return d.kind === 'evict' ? `evict ${d.victim.name} (${d.reason})` : d.kind === 'refuse' ? `refuse (${d.reason})` : 'admit';
}

describe('admit', () => {
  it('admits below both limits', () => {
    assert.equal(decide('a', [conn('a1', 'a')], 4, 2), 'admit');
  });

  it('a client at its share makes room among its own connections: closing first, then the least recently active idle', () => {
    const open = [conn('b1', 'b'), conn('a1', 'a', 'busy'), conn('a2', 'a'), conn('a3', 'a', 'closing')];
    assert.equal(decide('a', open, 10, 3), 'evict a3 (client_limit)');
    assert.equal(decide('a', open.slice(0, 3), 10, 2), 'evict a2 (client_limit)');
  });

  it('a client at its share with only busy connections is refused, even with another client idle', () => {
    assert.equal(decide('a', [conn('b1', 'b'), conn('a1', 'a', 'busy'), conn('a2', 'a', 'busy')], 3, 2), 'refuse (client_limit)');
  });

  it('full: a closing connection goes first, then the least recently active idle one', () => {
    assert.equal(decide('c', [conn('a1', 'a'), conn('b1', 'b', 'busy'), conn('b2', 'b', 'closing')], 3, 3), 'evict b2 (limit)');
    assert.equal(decide('c', [conn('a1', 'a', 'busy'), conn('b1', 'b'), conn('a2', 'a')], 3, 3), 'evict b1 (limit)');
  });

  it('full and all busy: the longest-busy connection of the largest holder, if it holds two more than the newcomer', () => {
    const open = [conn('a1', 'a', 'busy', 5), conn('a2', 'a', 'busy', 2), conn('a3', 'a', 'busy', 9), conn('b1', 'b', 'busy', 1)];
    assert.equal(decide('c', open, 4, 4), 'evict a2 (limit)');
    assert.equal(decide('b', open, 4, 4), 'evict a2 (limit)', 'a holds 3, b 1');
    assert.equal(decide('a', open, 4, 4), 'refuse (limit)', 'the newcomer is the largest holder');
    assert.equal(decide('b', [conn('a1', 'a', 'busy'), conn('a2', 'a', 'busy'), conn('b1', 'b', 'busy')], 3, 3), 'refuse (limit)', '2 vs 1: taking one only swaps the imbalance');
    assert.equal(decide('a', [conn('a1', 'a', 'busy')], 1, 1), 'refuse (client_limit)');
    assert.equal(decide('a', [conn('a1', 'a', 'busy')], 1, 64), 'refuse (limit)');
  });
});
