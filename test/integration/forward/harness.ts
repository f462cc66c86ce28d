// Shared set-up for the forwarder integration tests (imports only; nothing runs at import time).
import type { TestContext } from 'node:test';
import { freeUdpPort } from '../../helpers/ports.js';
import { Packet } from 'dns2';
import { scanQuery } from '../../../src/dns/wire-query.js';
import { DEFAULT_CONFIG } from '../../../src/config/types.js';
import type { Config } from '../../../src/config/types.js';
import { createSilentLogger } from '../../../src/log.js';
import { MetricsRegistry } from '../../../src/metrics.js';
import { forwardSettingsOf } from '../../../src/app.js';
import { createForwarder } from '../../../src/forward/forwarder.js';
import type { ConfigurableForwarder } from '../../../src/forward/forwarder.js';
import type { ForwardRequest, Transport } from '../../../src/forward/types.js';
import { startFakeUpstream } from '../../helpers/fake-upstream.js';
import type { FakeUpstream, FakeUpstreamOptions } from '../../helpers/fake-upstream.js';

export function makeConfig(overrides: Partial<Config> = {}): Config {
  return { ...DEFAULT_CONFIG, file: '/etc/mesos-dns/config.json', timeout: 2, resolvers: [], ...overrides };
}

export interface Harness {
  readonly forwarder: ConfigurableForwarder;
  readonly metrics: MetricsRegistry;
  /** The injected cache clock (ms); move it with `clock.advance`. */
  readonly clock: { now: number; advance(ms: number): void };
}

export function startForwarder(
  t: TestContext,
  config: Partial<Config>,
  extra: { random?: () => number } = {},
): Harness {
  const metrics = new MetricsRegistry();
  const clock = {
    now: 1_700_000_000_000,
    advance(ms: number) {
      this.now += ms;
    },
  };
  const forwarder = createForwarder({
    logger: createSilentLogger(),
    metrics,
    settings: forwardSettingsOf(makeConfig(config)),
    now: () => clock.now,
    ...(extra.random ? { random: extra.random } : {}),
  });
  t.after(() => forwarder.close());
  return { forwarder, metrics, clock };
}

export async function startUpstream(t: TestContext, options: FakeUpstreamOptions = {}): Promise<FakeUpstream> {
  const upstream = await startFakeUpstream(options);
  t.after(() => upstream.close());
  return upstream;
}

/** A loopback UDP port with nothing listening (ICMP port unreachable). */
export async function closedPort(): Promise<string> {
  return `127.0.0.1:${await freeUdpPort()}`;
}

/** The request the DNS server would hand over for this query. */
export function requestFor(query: Buffer, transport: Transport = 'udp', maxSize?: number, client = '127.0.0.1'): ForwardRequest {
  const packet = Packet.parse(query);
  const q = packet.questions[0];
  if (!q) throw new Error('query without a question');
  const opt = packet.additionals.find((r) => r.type === 41);
  const size = maxSize ?? (transport === 'tcp' ? 65535 : opt ? Math.max(512, opt.class) : 512);
  const scanned = scanQuery(query);
  if (!scanned.ok) throw new Error(`the DNS server would not forward this query: ${scanned.reason}`);
  return { query, layout: scanned.query.layout, id: packet.header.id, qname: q.name, qtype: q.type, qclass: q.class, transport, client, maxSize: size };
}

export function elapsedSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}
