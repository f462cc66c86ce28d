// The master list leader detection publishes: the leader and the other masters while one is known;
// while none is, the last known masters then the configured ones, and a warning every so often once
// ZkDetectionTimeout has passed ("keep serving": the last records stay). Tells its listeners of every
// change.
import type { Logger } from '../../log.js';
import type { MasterList } from './types.js';

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

export interface MasterListStateOptions {
  /** Config `Masters`: tried while no leader is known. */
  readonly fallbackMasters: readonly string[];
  /** Config `ZkDetectionTimeout` in seconds (0 = never warn). */
  readonly detectionTimeoutSeconds: number;
  readonly logger: Logger;
  readonly now: () => number;
}

export class MasterListState {
  private leader: string | undefined;
  private others: string[] = [];
  private list: MasterList;
  private lostSince: number | undefined;
  private closed = false;
  private warnTimer: NodeJS.Timeout | undefined;
  private readonly listeners = new Set<(list: MasterList, leaderChanged: boolean) => void>();

  constructor(private readonly options: MasterListStateOptions) {
    this.list = { masters: ['', ...options.fallbackMasters], leader: undefined };
    this.lostSince = options.now();
  }

  current(): MasterList {
    return this.list;
  }

  leaderLostSince(): number | undefined {
    return this.lostSince;
  }

  onChange(listener: (list: MasterList, leaderChanged: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** No more warnings; later publishes change the list but arm nothing. */
  close(): void {
    this.closed = true;
    clearTimeout(this.warnTimer);
  }

  /** Starts the no-leader warning's clock (from when the leader was lost, or from the start). */
  armWarning(): void {
    clearTimeout(this.warnTimer);
    const { detectionTimeoutSeconds: seconds, logger, now } = this.options;
    if (seconds <= 0 || this.closed || this.lostSince === undefined) return;
    const first = Math.max(0, this.lostSince + seconds * 1000 - now());
    const warn = () => {
      if (this.closed || this.lostSince === undefined) return;
      logger.warn(
        { noLeaderSeconds: Math.round((now() - this.lostSince) / 1000), zkDetectionTimeout: seconds },
        'no leading master detected; serving the last records',
      );
      this.warnTimer = setTimeout(warn, Math.max(seconds, 60) * 1000);
      this.warnTimer.unref();
    };
    this.warnTimer = setTimeout(warn, first);
    this.warnTimer.unref();
  }

  /** A detection's outcome: the leader and the others, or undefined and [] when no leader is known. */
  publish(nextLeader: string | undefined, nextOthers: string[]): void {
    const leaderChanged = nextLeader !== this.leader;
    const changed = nextLeader === undefined ? this.leaderUnknown(leaderChanged, nextOthers) : this.leaderKnown(leaderChanged, nextLeader, nextOthers);
    if (!changed) return;
    for (const l of this.listeners) {
      try {
        l(this.list, leaderChanged);
      } catch (err) {
        this.options.logger.error({ err }, 'master list listener failed');
      }
    }
  }

  private leaderUnknown(leaderChanged: boolean, nextOthers: string[]): boolean {
    const previousLeader = this.leader;
    // Unknown leader: try the last known masters, then the configured ones.
    const fallbacks = [...new Set([...(previousLeader ? [previousLeader] : []), ...nextOthers, ...this.others, ...this.options.fallbackMasters])];
    this.leader = undefined;
    const masters = ['', ...fallbacks];
    if (!leaderChanged && sameList(masters, this.list.masters)) return false;
    this.list = Object.freeze({ masters: Object.freeze(masters), leader: undefined });
    if (this.lostSince === undefined) {
      this.lostSince = this.options.now();
      this.options.logger.warn({ previousLeader }, 'leading master lost');
      this.armWarning();
    }
    return true;
  }

  private leaderKnown(leaderChanged: boolean, nextLeader: string, nextOthers: string[]): boolean {
    const previousLeader = this.leader;
    const masters = [nextLeader, ...nextOthers];
    this.leader = nextLeader;
    this.others = nextOthers;
    if (!leaderChanged && sameList(masters, this.list.masters)) return false;
    this.list = Object.freeze({ masters: Object.freeze(masters), leader: nextLeader });
    if (this.lostSince !== undefined) {
      this.lostSince = undefined;
      clearTimeout(this.warnTimer);
    }
    const { logger } = this.options;
    if (leaderChanged) logger.info({ leader: nextLeader, previousLeader, masters }, 'leading master detected');
    else logger.info({ leader: nextLeader, masters }, 'master list changed');
    return true;
  }
}
