// Static masters (behaviour §1.1): the configured list, in config order; the first is the presumed leader.
import type { MasterDetector, MasterList } from './types.js';

export function createStaticDetector(options: { masters: readonly string[] }): MasterDetector {
  const list: MasterList = Object.freeze({ masters: Object.freeze([...options.masters]), leader: undefined });
  return {
    start: async () => {},
    current: () => list,
    onChange: () => () => {},
    leaderLostSince: () => undefined,
    close: async () => {},
  };
}
