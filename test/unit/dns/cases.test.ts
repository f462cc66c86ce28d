// The shared case list against the pure handler: general path (no cache) and hot path (cache seeded
// by a first query, then a second query must be a cache hit and decode to the same expectations).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { handleQuery } from '../../../src/dns/handle.js';
import { createResponseCache } from '../../../src/dns/response-cache.js';
import { casesFor, checkReply } from '../../cases/dns-cases.js';
import { createFakeForwarder, createFixtureStore, dnsTestConfig } from '../../cases/dns-fixture.js';
import { buildQuery, decodeReply } from '../../helpers/dns-codec.js';

const store = createFixtureStore();
const forwarder = createFakeForwarder();

for (const transport of ['udp', 'tcp'] as const) {
  describe(`DNS cases, pure handler, general path, ${transport}`, () => {
    for (const c of casesFor(transport)) {
      test(c.name, async () => {
        const config = dnsTestConfig(c.config);
        const query = buildQuery(c.query);
        const result = handleQuery(query, { transport, snapshot: store.current(), config, random: Math.random });
        assert.notEqual(result.kind, 'drop');
        let bytes: Uint8Array;
        if (result.kind === 'forward') {
          assert.equal(c.expect.forwarded, true, 'forwarded only when expected');
          assert.equal(result.request.transport, transport);
          assert.equal(result.request.qname, c.query.qname);
          bytes = await forwarder.forward(result.request);
        } else {
          assert.notEqual(c.expect.forwarded, true, 'answered here, not forwarded');
          bytes = (result as { bytes: Uint8Array }).bytes;
          if (result.kind === 'reply') assert.equal(result.info.path, 'general');
        }
        checkReply(c, decodeReply(bytes), config);
      });
    }
  });

  describe(`DNS cases, pure handler, hot path, ${transport}`, () => {
    const cache = createResponseCache();
    for (const c of casesFor(transport)) {
      test(c.name, async () => {
        const config = dnsTestConfig(c.config);
        const query = buildQuery(c.query);
        const ctx = { transport, snapshot: store.current(), config, cache, random: Math.random };
        const first = handleQuery(query, ctx);
        const second = handleQuery(query, ctx);
        if (second.kind === 'forward') {
          assert.equal(c.expect.forwarded, true);
          checkReply(c, decodeReply(await forwarder.forward(second.request)), config);
          return;
        }
        assert.equal(first.kind, 'reply');
        assert.equal(second.kind, 'reply');
        if (first.kind !== 'reply' || second.kind !== 'reply') return;
        // Plain in-domain queries are served from the cache the second time.
        const plain = !c.query.edns?.options && (c.query.qdcount ?? 1) === 1 && (c.query.opcode ?? 0) === 0 && c.query.edns?.version === undefined && (c.query.qclass ?? 1) !== 3;
        if (plain && first.info.authoritative) assert.equal(second.info.path, 'hot', 'second query is a hot-path hit');
        checkReply(c, decodeReply(first.bytes), config);
        checkReply(c, decodeReply(second.bytes), config);
      });
    }
  });
}
