// Polling until something is there, with a bound (loopback tests and benches). poll() is the one
// polling loop; waitFor() fails the wait past its bound, waitUntil() reports whether the condition
// held so that the caller can assert with its own message (or look at the state either way).

/**
 * Calls `probe` every `everyMs` until it gives a value other than undefined, and that value; undefined
 * when it still gave none after `timeoutMs` (it is called once more past the bound).
 */
export async function poll<T>(probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number, everyMs = 20): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) return undefined;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** Calls `probe` every `everyMs` until it gives a value other than undefined; throws past `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000, everyMs = 20): Promise<T> {
  const value = await poll(probe, timeoutMs, everyMs);
  if (value === undefined) throw new Error(`timed out waiting for ${what}`);
  return value;
}

/** Whether `condition` held within `timeoutMs` (checked every `everyMs`). */
export async function waitUntil(condition: () => Promise<boolean> | boolean, timeoutMs: number, everyMs = 20): Promise<boolean> {
  return (await poll(async () => ((await condition()) ? true : undefined), timeoutMs, everyMs)) === true;
}
