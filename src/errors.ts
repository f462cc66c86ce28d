// Error classes with stable codes. Pure code returns values; I/O code throws these.

export const ErrorCode = {
  CONFIG_INVALID: 'E_CONFIG_INVALID',
  CONFIG_UNREADABLE: 'E_CONFIG_UNREADABLE',
  STATE_FETCH: 'E_STATE_FETCH',
  STATE_INVALID: 'E_STATE_INVALID',
  NO_LEADER: 'E_NO_LEADER',
  LISTEN: 'E_LISTEN',
  UPSTREAM: 'E_UPSTREAM',
  ZOOKEEPER: 'E_ZOOKEEPER',
  UNSUPPORTED: 'E_UNSUPPORTED',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export class MesosDnsError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MesosDnsError';
    this.code = code;
  }
}

export interface ConfigProblem {
  /** The config.json key (as Mesos-DNS spells it) the problem is about. */
  readonly key: string;
  readonly message: string;
}

/** Every invalid value at once; the CLI prints each and exits 2. */
export class ConfigError extends MesosDnsError {
  readonly problems: readonly ConfigProblem[];
  constructor(problems: readonly ConfigProblem[]) {
    super(
      ErrorCode.CONFIG_INVALID,
      `invalid configuration: ${problems.map((p) => `${p.key}: ${p.message}`).join('; ')}`,
    );
    this.name = 'ConfigError';
    this.problems = problems;
  }
}
