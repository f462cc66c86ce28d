// Signals that arrive before the process can act on them. Installed first thing by main.ts (this
// module imports nothing, so it is loaded before the ~100 ms the rest of the program takes), it
// holds SIGTERM, SIGINT and SIGHUP until a handler takes over, instead of Node's default action of
// killing the process.

export type HandledSignal = 'SIGTERM' | 'SIGINT' | 'SIGHUP';

const HANDLED: readonly HandledSignal[] = ['SIGTERM', 'SIGINT', 'SIGHUP'];

export interface HeldSignals {
  /** From now on `handler` gets every signal, starting with those held so far, in order. */
  handTo(handler: (signal: HandledSignal) => void): void;
  /**
   * For commands that are not the server: Node's default actions again, and the first signal held
   * so far is raised again so that it has its default effect.
   */
  release(): void;
}

export function holdSignals(): HeldSignals {
  const held: HandledSignal[] = [];
  let handler: ((signal: HandledSignal) => void) | undefined;
  const listeners = new Map<HandledSignal, () => void>();
  for (const signal of HANDLED) {
    const listener = (): void => {
      if (handler) handler(signal);
      else held.push(signal);
    };
    listeners.set(signal, listener);
    process.on(signal, listener);
  }
  return {
    handTo(next) {
      handler = next;
      for (const signal of held.splice(0)) next(signal);
    },
    release() {
      for (const [signal, listener] of listeners) process.off(signal, listener);
      const first = held.splice(0)[0];
      if (first !== undefined) process.kill(process.pid, first);
    },
  };
}
