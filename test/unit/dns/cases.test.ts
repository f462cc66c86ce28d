// The shared case list against the pure handler: the general path alone, and the direct path in
// front of it (as the server runs them), each decoding to the same expectations.
// Nothing here re-derives which queries the direct path takes (that rule lives in src/dns/direct.ts
// alone, and a copy here would drift): every result kind is handled or fails the case, and the
// direct-path run must have been answered directly at least once, so it cannot quietly become a
// second run of the general path.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type HandleResult, handleQuery } from '../../../src/dns/handle.js';
import { DirectState } from '../../../src/dns/direct.js';
import { type DnsCase, casesFor, checkReply } from '../../cases/dns-cases.js';
import { createFakeForwarder, createFixtureStore, dnsTestConfig } from '../../cases/dns-fixture.js';
import { buildQuery, decodeReply } from '../../helpers/dns-codec.js';

const store = createFixtureStore();
const forwarder = createFakeForwarder();

/** The reply's octets: answered here, or forwarded (only when the case expects it). */
async function replyBytes(c: DnsCase, transport: 'udp' | 'tcp', result: HandleResult): Promise<Uint8Array> {
  switch (result.kind) {
    case 'forward':
      assert.equal(c.expect.forwarded, true, 'forwarded only when expected');
      assert.equal(result.request.transport, transport);
      assert.equal(result.request.qname, c.query.qname);
      return forwarder.forward(result.request);
    case 'reply':
      assert.notEqual(c.expect.forwarded, true, 'answered here, not forwarded');
      return result.bytes;
    default:
      return assert.fail(`a case query must be answered or forwarded, not handled as ${result.kind}`);
  }
}

for (const transport of ['udp', 'tcp'] as const) {
  describe(`DNS cases, pure handler, general path, ${transport}`, () => {
    for (const c of casesFor(transport)) {
      test(c.name, async () => {
        const config = dnsTestConfig(c.config);
        const result = handleQuery(buildQuery(c.query), { transport, snapshot: store.current(), config, random: Math.random });
        if (result.kind === 'reply') assert.equal(result.info.path, 'general');
        checkReply(c, decodeReply(await replyBytes(c, transport, result)), config);
      });
    }
  });

  describe(`DNS cases, pure handler, direct path first, ${transport}`, () => {
    const direct = new DirectState();
    const answeredDirectly: string[] = [];
    for (const c of casesFor(transport)) {
      test(c.name, async () => {
        const config = dnsTestConfig(c.config);
        const result = handleQuery(buildQuery(c.query), { transport, snapshot: store.current(), config, direct, random: Math.random });
        if (result.kind === 'reply' && result.info.path === 'direct') answeredDirectly.push(c.name);
        checkReply(c, decodeReply(await replyBytes(c, transport, result)), config);
      });
    }
    test('the direct path answered some of the cases (the run above is not the general path twice)', () => {
      assert.ok(answeredDirectly.length > 0, `no case of ${casesFor(transport).length} was answered by the direct path`);
    });
  });
}
