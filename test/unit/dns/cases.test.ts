// The shared case list against the pure handler: the general path alone, and the direct path in
// front of it (as the server runs them), each decoding to the same expectations.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { handleQuery } from '../../../src/dns/handle.js';
import { DirectState } from '../../../src/dns/direct.js';
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

  describe(`DNS cases, pure handler, direct path first, ${transport}`, () => {
    const direct = new DirectState();
    for (const c of casesFor(transport)) {
      test(c.name, async () => {
        const config = dnsTestConfig(c.config);
        const query = buildQuery(c.query);
        const result = handleQuery(query, { transport, snapshot: store.current(), config, direct, random: Math.random });
        assert.notEqual(result.kind, 'drop');
        if (result.kind === 'forward') {
          assert.equal(c.expect.forwarded, true);
          checkReply(c, decodeReply(await forwarder.forward(result.request)), config);
          return;
        }
        if (result.kind === 'reply') checkReply(c, decodeReply(result.bytes), config);
      });
    }
  });
}
