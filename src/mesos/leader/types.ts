// What leader detection gives the poller: the ordered master list of behaviour §1.1.

export interface MasterList {
  /** [presumed leader or '' when unknown, ...fallbacks], the input of fetchAll (behaviour §1.2). */
  readonly masters: readonly string[];
  /** The leader "host:port" when detection knows it (ZooKeeper); undefined for static lists. */
  readonly leader: string | undefined;
}

export interface MasterDetector {
  /** Begins detection; resolves once started, not once a leader is known. */
  start(): Promise<void>;
  current(): MasterList;
  /** Called on every change of the list; `leaderChanged` when the presumed leader changed. */
  onChange(listener: (list: MasterList, leaderChanged: boolean) => void): () => void;
  /** Wall-clock ms since when no leader is known; undefined while one is (or when detection has no notion of it). */
  leaderLostSince(): number | undefined;
  close(): Promise<void>;
}
