// The composition root: builds every part from one Config, starts them in dependency order (the
// listeners first, so forwarding works and /health answers before the first table, behaviour §8 #19) and
// closes them in reverse.
import type { AddressInfo } from 'node:net';
import type { Config } from './config/types.js';
import { createDnsServer, type DnsServer } from './dns/server.js';
import { dnsSettingsOf } from './dns/settings.js';
import { ErrorCode, MesosDnsError } from './errors.js';
import { createForwarder, type ConfigurableForwarder } from './forward/forwarder.js';
import { createHttpServer, type HttpServer } from './http/server.js';
import type { Logger } from './log.js';
import { createStateSource, type PollingStateSource } from './reload/poller.js';
import { MetricsRegistry } from './metrics.js';
import { createRecordStore, type RecordStore } from './records/store.js';
import { type RotationControl, createRotationStore } from './rotation/rotation-store.js';
import { createZkRotation, type ZkRotation } from './rotation/zk-rotation.js';
import { parseZkUrl, resolverAddress } from './config/addresses.js';
import type { ForwardSettings } from './forward/settings.js';
import type { IpPort } from './net/ip-port.js';

export interface AppOptions {
  readonly config: Config;
  readonly logger: Logger;
  readonly version: string;
  /** Injected in tests; a new registry otherwise. */
  readonly metrics?: MetricsRegistry;
}

export interface AppAddresses {
  readonly dns: { readonly udp: readonly AddressInfo[]; readonly tcp: readonly AddressInfo[] } | undefined;
  readonly http: AddressInfo | undefined;
}

export interface App {
  readonly store: RecordStore;
  readonly metrics: MetricsRegistry;
  readonly source: PollingStateSource;
  /** Binds the listeners, then starts feeding the store. Rejects (after cleaning up) if a bind fails. */
  start(): Promise<AppAddresses>;
  /**
   * Applies a re-read config to what can change without a restart: TTLs, SOA fields, flags,
   * resolvers, cache switches, and the refresh interval (the state source is restarted for that;
   * a new source that cannot start is refused and the running one kept, with its settings). The
   * static records file is read again.
   */
  reconfigure(config: Config): Promise<void>;
  readonly config: () => Config;
  /** Stops accepting, lets in-flight queries and forwards finish (bounded), closes everything. */
  close(): Promise<void>;
}

/** The config keys whose change needs a restart: they name sockets or where state comes from. */
const RESTART_ONLY_KEYS = [
  'listener',
  'port',
  'httpListener',
  'httpPort',
  'dnsOn',
  'httpOn',
  'domain',
  'zk',
  'masters',
  'stateFile',
  'mesosHTTPSOn',
  'caCertFile',
  'certFile',
  'keyFile',
  'mesosAuthentication',
  'mesosCredentials',
  'iamConfigFile',
  'insecureSkipVerify',
] as const satisfies readonly (keyof Config)[];

/** Keys whose change restarts the state source (it owns the refresh timer and record settings). */
const SOURCE_KEYS = [
  'refreshSeconds',
  'stateTimeoutSeconds',
  'zkDetectionTimeout',
  'ipSources',
  'enforceRFC952',
  'soaMname',
  'reverseZones',
  'staticRecordsFile',
  'stateSourceMode',
] as const satisfies readonly (keyof Config)[];

function changedKeys(before: Config, after: Config, keys: readonly (keyof Config)[]): (keyof Config)[] {
  return keys.filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key]));
}

/** `config` with the values of `keys` taken from `from`. */
function withKeysOf(config: Config, from: Config, keys: readonly (keyof Config)[]): Config {
  const out: Record<string, unknown> = { ...config };
  for (const key of keys) out[key] = from[key];
  return out as unknown as Config;
}

/** The forwarder's settings from the configuration; resolver entries are parsed here, once per (re)load. */
export function forwardSettingsOf(config: Config): ForwardSettings {
  const unusableResolvers: string[] = [];
  const addresses = (list: readonly string[]): IpPort[] =>
    list.flatMap((text) => {
      const address = resolverAddress(text);
      if (!address) unusableResolvers.push(text);
      return address ? [address] : [];
    });
  const zoneResolvers = Object.fromEntries(Object.entries(config.zoneResolvers).map(([zone, list]) => [zone, addresses(list)]));
  return {
    externalOn: config.externalOn,
    externalAllowFrom: config.externalAllowFrom,
    zoneResolvers,
    resolvers: addresses(config.resolvers),
    unusableResolvers,
    timeout: config.timeout,
    setTruncateBit: config.setTruncateBit,
    maxForwardsInFlight: config.maxForwardsInFlight,
    maxForwardsPerClient: config.maxForwardsPerClient,
    forwardCacheOn: config.forwardCacheOn,
    forwardCacheMaxEntries: config.forwardCacheMaxEntries,
    forwardCacheMaxBytes: config.forwardCacheMaxBytes,
  };
}

export function createApp(options: AppOptions): App {
  const logger = options.logger;
  let config = options.config;
  const metrics = options.metrics ?? new MetricsRegistry();
  const store = createRecordStore({ initialSerial: config.soaSerial });
  const forwarder: ConfigurableForwarder = createForwarder({ logger, metrics, settings: forwardSettingsOf(config) });
  // With Zk the list is shared by every replica through a znode of its own; without, per instance
  // (docs/dns.md "Out of rotation").
  const rotation = createRotationStore();
  const zkUrl = config.zk === '' ? undefined : parseZkUrl(config.zk);
  const sharedRotation: ZkRotation | undefined = zkUrl?.ok ? createZkRotation({ url: zkUrl.value, store: rotation, logger }) : undefined;
  const rotationControl: RotationControl = sharedRotation ?? {
    active: () => rotation.active(),
    add: async (entry) => rotation.add(entry),
    remove: async (kind, value) => rotation.remove(kind, value),
  };
  const newSource = (sourceConfig: Config): PollingStateSource =>
    createStateSource({ config: sourceConfig, store, logger, metrics, rotation });
  let source = newSource(config);
  const dns: DnsServer | undefined = config.dnsOn ? createDnsServer({ logger, metrics, store, forwarder, config: dnsSettingsOf(config) }) : undefined;
  const http: HttpServer | undefined = config.httpOn
    ? createHttpServer({
        logger,
        metrics,
        store,
        config,
        // Read through a closure: the source is replaced when the refresh settings change.
        source: { status: () => source.status() },
        version: options.version,
        rotation: rotationControl,
      })
    : undefined;
  let closing: Promise<void> | undefined;

  /** A new source for `next` with its files read, or undefined (logged) when it could not start. */
  async function prepareSource(next: Config, keys: readonly (keyof Config)[]): Promise<PollingStateSource | undefined> {
    let candidate: PollingStateSource | undefined;
    try {
      candidate = newSource(next);
      await candidate.prepare();
      return candidate;
    } catch (err) {
      await candidate?.close().catch(() => undefined);
      logger.error({ err, keys }, 'new state source settings refused: the new source cannot start; the running source is kept');
      return undefined;
    }
  }

  /** Stops the running source and starts the prepared one; if that fails, a source with the previous settings. */
  async function swapSource(candidate: PollingStateSource, previousConfig: Config): Promise<void> {
    if (closing) {
      await candidate.close();
      return;
    }
    const previous = source;
    source = candidate;
    await previous.close();
    try {
      await candidate.start();
    } catch (err) {
      logger.error({ err }, 'the new state source failed to start; restarting one with the previous settings');
      await candidate.close().catch(() => undefined);
      config = withKeysOf(config, previousConfig, SOURCE_KEYS);
      dns?.setConfig(dnsSettingsOf(config));
      http?.setConfig(config);
      source = newSource(config);
      await source.start();
    }
  }

  async function closeAll(): Promise<void> {
    await source.close();
    await sharedRotation?.close();
    rotation.close();
    await Promise.all([http?.close(), dns?.close()]);
    await forwarder.close();
  }

  return {
    store,
    metrics,
    get source() {
      return source;
    },
    config: () => config,
    async start() {
      // close() may come at any point (a SIGTERM during start-up): it closes what is open, and start
      // goes no further.
      const unlessClosed = (): void => {
        if (closing) throw new MesosDnsError(ErrorCode.UNSUPPORTED, 'closed during start-up');
      };
      try {
        const dnsAddresses = dns ? await dns.listen() : undefined;
        unlessClosed();
        const httpAddress = http ? await http.listen() : undefined;
        unlessClosed();
        sharedRotation?.start();
        await source.start();
        unlessClosed();
        logger.info(
          {
            dns: dnsAddresses?.udp.map((a) => `${a.address}:${a.port}`),
            http: httpAddress ? `${httpAddress.address}:${httpAddress.port}` : undefined,
            source: source.kind,
            domain: config.domain,
          },
          'mesos-dns started',
        );
        return { dns: dnsAddresses, http: httpAddress };
      } catch (err) {
        if (!closing) await closeAll().catch(() => undefined);
        throw err;
      }
    },
    async reconfigure(requested) {
      let next = requested;
      const needRestart = changedKeys(config, next, RESTART_ONLY_KEYS);
      if (needRestart.length > 0) {
        logger.warn({ keys: needRestart }, 'config changes that need a restart are ignored until then');
        next = withKeysOf(next, config, needRestart);
      }
      // The new source is built and its files read while the old one keeps running: if it cannot
      // start, the old one stays, with the settings it runs with (and the config says so).
      const sourceKeys = changedKeys(config, next, SOURCE_KEYS);
      const candidate = sourceKeys.length > 0 ? await prepareSource(next, sourceKeys) : undefined;
      if (sourceKeys.length > 0 && !candidate) next = withKeysOf(next, config, SOURCE_KEYS);
      const previousConfig = config;
      config = next;
      logger.level = next.logLevel;
      dns?.setConfig(dnsSettingsOf(next));
      forwarder.setSettings(forwardSettingsOf(next));
      http?.setConfig(next);
      if (candidate) await swapSource(candidate, previousConfig);
      // SIGHUP also re-reads the static records file (a new source has just read it).
      else await source.rereadStaticRecords(next);
      logger.info(
        { restartedSource: candidate !== undefined, ...(sourceKeys.length > 0 && !candidate ? { refusedKeys: sourceKeys } : {}) },
        'config reloaded',
      );
    },
    close() {
      closing ??= closeAll();
      return closing;
    },
  };
}
