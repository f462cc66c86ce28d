// Shared set-up for the state-source tests in this folder: the embedded fixture state and a state source
// on a fresh store and registry (imports only; nothing runs at import time).
import { fileURLToPath } from 'node:url';
import { DEFAULT_CONFIG } from '../../../src/config/types.js';
import { createSilentLogger } from '../../../src/log.js';
import { MetricsRegistry } from '../../../src/metrics.js';
import { createStateSource, type CreateStateSourceOptions } from '../../../src/reload/poller.js';
import { createRecordStore } from '../../../src/records/store.js';

export const EMBEDDED = fileURLToPath(new URL('../../../../fixtures/embedded/state.json', import.meta.url));

export { embeddedState } from '../../helpers/embedded-state.js';

/**
 * A polling state source listening as 127.0.0.1 (RefreshSeconds 60 unless given), silent, on its own
 * store. The test masters here have no operator API: these tests are about polling, so the source does
 * not try the event stream first (its fallback to polling is tested with the streaming master).
 */
export function setupSource(config: Partial<CreateStateSourceOptions['config']>, extra: Partial<CreateStateSourceOptions> = {}) {
  const store = createRecordStore();
  const metrics = new MetricsRegistry();
  const source = createStateSource({
    config: { ...DEFAULT_CONFIG, listener: '127.0.0.1', refreshSeconds: 60, stateSourceMode: 'poll', ...config },
    store,
    metrics,
    logger: createSilentLogger(),
    ...extra,
  });
  return { store, metrics, source };
}
