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
import { registerEventLoopMetrics } from './runtime-metrics.js';
import { createRecordStore, type RecordStore } from './records/store.js';
import { type RotationControl, createRotationStore, type RotationStore } from './rotation/rotation-store.js';
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
  return new AppImpl(options);
}

/** The shared out-of-rotation list with Zk (through a znode of its own), else this instance's (docs/dns.md "Out of rotation"). */
function rotationOf(config: Config, logger: Logger): { rotation: RotationStore; shared: ZkRotation | undefined; control: RotationControl } {
  const rotation = createRotationStore();
  const zkUrl = config.zk === '' ? undefined : parseZkUrl(config.zk);
  const shared = zkUrl?.ok ? createZkRotation({ url: zkUrl.value, store: rotation, logger }) : undefined;
  const control: RotationControl = shared ?? {
    active: () => rotation.active(),
    add: async (entry) => rotation.add(entry),
    remove: async (kind, value) => rotation.remove(kind, value),
  };
  return { rotation, shared, control };
}

class AppImpl implements App {
  readonly store: RecordStore;
  readonly metrics: MetricsRegistry;
  private readonly logger: Logger;
  private currentConfig: Config;
  private readonly forwarder: ConfigurableForwarder;
  private readonly rotation: RotationStore;
  private readonly sharedRotation: ZkRotation | undefined;
  private currentSource: PollingStateSource;
  private readonly dns: DnsServer | undefined;
  private readonly http: HttpServer | undefined;
  private closing: Promise<void> | undefined;
  private readonly stopEventLoopMetrics: () => void;

  constructor(options: AppOptions) {
    const logger = (this.logger = options.logger);
    const config = (this.currentConfig = options.config);
    const metrics = (this.metrics = options.metrics ?? new MetricsRegistry());
    this.stopEventLoopMetrics = registerEventLoopMetrics(metrics);
    const store = (this.store = createRecordStore({ initialSerial: config.soaSerial }));
    const forwarder = (this.forwarder = createForwarder({ logger, metrics, settings: forwardSettingsOf(config) }));
    const rotation = rotationOf(config, logger);
    this.rotation = rotation.rotation;
    this.sharedRotation = rotation.shared;
    this.currentSource = this.newSource(config);
    this.dns = config.dnsOn ? createDnsServer({ logger, metrics, store, forwarder, config: dnsSettingsOf(config) }) : undefined;
    this.http = config.httpOn
      ? createHttpServer({
          logger,
          metrics,
          store,
          config,
          // Read through a closure: the source is replaced when the refresh settings change.
          source: { status: () => this.currentSource.status() },
          version: options.version,
          rotation: rotation.control,
        })
      : undefined;
  }

  get source(): PollingStateSource {
    return this.currentSource;
  }

  readonly config = (): Config => this.currentConfig;

  private newSource(sourceConfig: Config): PollingStateSource {
    return createStateSource({ config: sourceConfig, store: this.store, logger: this.logger, metrics: this.metrics, rotation: this.rotation });
  }

  /** A new source for `next` with its files read, or undefined (logged) when it could not start. */
  private async prepareSource(next: Config, keys: readonly (keyof Config)[]): Promise<PollingStateSource | undefined> {
    let candidate: PollingStateSource | undefined;
    try {
      candidate = this.newSource(next);
      await candidate.prepare();
      return candidate;
    } catch (err) {
      await candidate?.close().catch(() => undefined);
      this.logger.error({ err, keys }, 'new state source settings refused: the new source cannot start; the running source is kept');
      return undefined;
    }
  }

  /** Stops the running source and starts the prepared one; if that fails, a source with the previous settings. */
  private async swapSource(candidate: PollingStateSource, previousConfig: Config): Promise<void> {
    if (this.closing) {
      await candidate.close();
      return;
    }
    const previous = this.currentSource;
    this.currentSource = candidate;
    await previous.close();
    try {
      await candidate.start();
    } catch (err) {
      this.logger.error({ err }, 'the new state source failed to start; restarting one with the previous settings');
      await candidate.close().catch(() => undefined);
      const config = (this.currentConfig = withKeysOf(this.currentConfig, previousConfig, SOURCE_KEYS));
      this.dns?.setConfig(dnsSettingsOf(config));
      this.http?.setConfig(config);
      this.currentSource = this.newSource(config);
      await this.currentSource.start();
    }
  }

  private async closeAll(): Promise<void> {
    await this.currentSource.close();
    await this.sharedRotation?.close();
    this.rotation.close();
    await Promise.all([this.http?.close(), this.dns?.close()]);
    this.stopEventLoopMetrics();
    await this.forwarder.close();
  }

  async start(): Promise<AppAddresses> {
    // close() may come at any point (a SIGTERM during start-up): it closes what is open, and start
    // goes no further.
    const unlessClosed = (): void => {
      if (this.closing) throw new MesosDnsError(ErrorCode.UNSUPPORTED, 'closed during start-up');
    };
    try {
      const dnsAddresses = this.dns ? await this.dns.listen() : undefined;
      unlessClosed();
      const httpAddress = this.http ? await this.http.listen() : undefined;
      unlessClosed();
      this.sharedRotation?.start();
      await this.currentSource.start();
      unlessClosed();
      this.logger.info(
        {
          dns: dnsAddresses?.udp.map((a) => `${a.address}:${a.port}`),
          http: httpAddress ? `${httpAddress.address}:${httpAddress.port}` : undefined,
          source: this.currentSource.kind,
          domain: this.currentConfig.domain,
        },
        'mesos-dns started',
      );
      return { dns: dnsAddresses, http: httpAddress };
    } catch (err) {
      if (!this.closing) await this.closeAll().catch(() => undefined);
      throw err;
    }
  }

  async reconfigure(requested: Config): Promise<void> {
    const config = this.currentConfig;
    let next = requested;
    const needRestart = changedKeys(config, next, RESTART_ONLY_KEYS);
    if (needRestart.length > 0) {
      this.logger.warn({ keys: needRestart }, 'config changes that need a restart are ignored until then');
      next = withKeysOf(next, config, needRestart);
    }
    // The new source is built and its files read while the old one keeps running: if it cannot
    // start, the old one stays, with the settings it runs with (and the config says so).
    const sourceKeys = changedKeys(config, next, SOURCE_KEYS);
    const candidate = sourceKeys.length > 0 ? await this.prepareSource(next, sourceKeys) : undefined;
    if (sourceKeys.length > 0 && !candidate) next = withKeysOf(next, config, SOURCE_KEYS);
    this.currentConfig = next;
    this.logger.level = next.logLevel;
    this.dns?.setConfig(dnsSettingsOf(next));
    this.forwarder.setSettings(forwardSettingsOf(next));
    this.http?.setConfig(next);
    if (candidate) await this.swapSource(candidate, config);
    // SIGHUP also re-reads the static records file (a new source has just read it).
    else await this.currentSource.rereadStaticRecords(next);
    this.logger.info(
      { restartedSource: candidate !== undefined, ...(sourceKeys.length > 0 && !candidate ? { refusedKeys: sourceKeys } : {}) },
      'config reloaded',
    );
  }

  close(): Promise<void> {
    this.closing ??= this.closeAll();
    return this.closing;
  }
}
