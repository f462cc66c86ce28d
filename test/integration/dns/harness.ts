// A DNS server of ours on 127.0.0.1 for the integration tests in this folder (one ephemeral port for
// UDP and TCP); the clients that talk to it are in test/helpers/dns-client.ts.
import type { DnsServer } from '../../../src/dns/server.js';
import { createSilentLogger } from '../../../src/log.js';
import { MetricsRegistry } from '../../../src/metrics.js';
import type { Forwarder } from '../../../src/forward/types.js';
import type { RecordStore } from '../../../src/records/store.js';
import type { Config } from '../../../src/config/types.js';
import { createDnsServer } from '../../../src/dns/server.js';

export interface StartedServer {
  readonly server: DnsServer;
  readonly port: number;
  readonly metrics: MetricsRegistry;
}

/** Starts a DNS server on 127.0.0.1, one ephemeral port for UDP and TCP. */
export async function startDnsServer(options: {
  store: RecordStore;
  forwarder: Forwarder;
  config: Config;
  random?: () => number;
  /** False: every query takes the general path. */
  direct?: false;
}): Promise<StartedServer> {
  const metrics = new MetricsRegistry();
  const server = createDnsServer({
    logger: createSilentLogger(),
    metrics,
    store: options.store,
    forwarder: options.forwarder,
    config: options.config,
    ...(options.random ? { random: options.random } : {}),
    ...(options.direct === false ? { direct: false } : {}),
  });
  const addresses = await server.listen();
  const udp = addresses.udp[0];
  const tcp = addresses.tcp[0];
  if (!udp || !tcp || udp.port !== tcp.port) throw new Error('expected one port for UDP and TCP');
  return { server, port: udp.port, metrics };
}
