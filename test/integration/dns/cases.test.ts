// The shared case list against the real servers: UDP and TCP on 127.0.0.1, port 0, with the direct
// path in front (as deployed) and with the general path alone.
import { describe, test } from 'node:test';
import { casesFor, checkReply } from '../../cases/dns-cases.js';
import { createFakeForwarder, createFixtureStore, dnsTestConfig } from '../../cases/dns-fixture.js';
import { buildQuery, decodeReply } from '../../helpers/dns-codec.js';
import { TcpClient, UdpClient } from '../../helpers/dns-client.js';
import { startDnsServer } from './harness.js';

for (const direct of [true, false]) {
  for (const transport of ['udp', 'tcp'] as const) {
    describe(`DNS cases over ${transport.toUpperCase()}${direct ? '' : ' (general path only)'}`, async () => {
      const base = dnsTestConfig();
      const { server, port } = await startDnsServer({
        store: createFixtureStore(),
        forwarder: createFakeForwarder(),
        config: base,
        ...(direct ? {} : { direct: false as const }),
      });
      const udp = await UdpClient.open();
      const tcp = await TcpClient.open(port);
      const exchange = (query: Uint8Array): Promise<Buffer> =>
        transport === 'udp' ? udp.exchange(port, query) : tcp.exchange(query);

      for (const c of casesFor(transport)) {
        test(c.name, async (t) => {
          const config = c.config ? dnsTestConfig(c.config) : base;
          server.setConfig(config);
          t.after(() => server.setConfig(base));
          const query = buildQuery(c.query);
          // Twice: the second answer meets the same expectations (the scratch state is reused between queries).
          checkReply(c, decodeReply(await exchange(query)), config);
          checkReply(c, decodeReply(await exchange(query)), config);
        });
      }

      test('close the clients and the server', async () => {
        tcp.close();
        await udp.close();
        await server.close();
      });
    });
  }
}
