// One read of a ZooKeeper subtree at a time: a read asked for while one runs is folded into one more
// read after it, however many were asked, and only while the client is connected (a read that fails
// for a lost connection is retried by the next 'connected' event, not here).

export interface SerialReadsOptions {
  /** One whole read; its failure is passed to onError. */
  readonly readOnce: () => Promise<void>;
  readonly onError: (err: unknown) => void;
  /** No read starts once this holds. */
  readonly closed: () => boolean;
  /** Another read follows only while this holds. */
  readonly connected: () => boolean;
}

export interface SerialReads {
  /** Starts a read, or asks for one more after the running one; the promise settles when reading stops. */
  read(): Promise<void>;
  /** Asks for one more read after the running one (from inside readOnce). */
  again(): void;
  /** The reads running now, to wait for on close; undefined when none. */
  running(): Promise<void> | undefined;
}

export function serialReads(options: SerialReadsOptions): SerialReads {
  let reading: Promise<void> | undefined;
  let readAgain = false;
  return {
    read() {
      if (options.closed()) return Promise.resolve();
      if (reading) {
        readAgain = true;
        return reading;
      }
      reading = (async () => {
        do {
          readAgain = false;
          try {
            await options.readOnce();
          } catch (err) {
            options.onError(err);
          }
        } while (readAgain && !options.closed() && options.connected());
      })().finally(() => {
        reading = undefined;
      });
      return reading;
    },
    again() {
      readAgain = true;
    },
    running: () => reading,
  };
}
