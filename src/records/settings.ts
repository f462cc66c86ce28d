// What record generation needs to be told, in its own terms: the config layer's values fit these
// shapes, so records imports nothing from config (docs/architecture.md, "Layers").

/** Where a task's IPs may come from, in the order IPSources lists them (behaviour §2.9). */
export type IpSource = 'mesos' | 'netinfo' | 'host' | 'docker';

/** The settings generation reads; reverseZones and healthAwareOn are optional (none, off). */
export interface GenerateConfig {
  /** Lower-cased, no trailing dot, e.g. "mesos". */
  readonly domain: string;
  readonly ipSources: readonly IpSource[];
  readonly enforceRFC952: boolean;
  /** This server's name, which gets the listener's addresses. */
  readonly soaMname: string;
  /** The DNS listener address ("0.0.0.0": every interface's). */
  readonly listener: string;
  readonly reverseZones?: readonly string[];
  readonly healthAwareOn?: boolean;
}

/** One record of the StaticRecordsFile, as the config layer reads and checks it. */
export interface StaticRecordInput {
  /** Owner FQDN, lower case, trailing dot. */
  readonly name: string;
  readonly type: 'A' | 'AAAA' | 'SRV' | 'CNAME';
  /** As the table stores it: canonical IP text (A, AAAA), "<target>:<port>" (SRV), the target FQDN (CNAME). */
  readonly value: string;
  /** 1-based line in the file. */
  readonly line: number;
}
