// A Config from config.json-style keys, as the server would load them; a test's keys that do not
// validate are a mistake in the test, so they throw with the problems.
import type { Config } from '../../src/config/types.js';
import { buildConfig } from '../../src/config/validate.js';

export function validConfig(raw: Readonly<Record<string, unknown>>, file = '/nonexistent/config.json'): Config {
  const built = buildConfig(raw, { file });
  if (!('config' in built)) throw new Error(JSON.stringify(built.problems));
  return built.config;
}
