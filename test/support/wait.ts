/**
 * Waiting for a condition instead of sleeping: tests on a loaded machine get slower, not red.
 * The deadline is the only timing a test states; it should be generous (a loaded 2-core machine
 * runs several times slower than a quiet one) and below the test's own timeout, so that a real
 * hang fails with a message naming what never happened rather than with "test timed out".
 */
export interface WaitOptions {
  /** what is awaited, for the message at the deadline ("the import job to finish") */
  what: string;
  /** give up after this long; default 60 s */
  timeoutMs?: number;
  /** pause between checks; default 100 ms */
  intervalMs?: number;
}

/**
 * Calls `check` until it returns something other than `undefined`/`false` and returns that value.
 * A check that throws is retried (e.g. a connection refused while a server starts) and its last
 * error is quoted if the deadline passes. A check may also throw `StopWaiting` to fail at once.
 */
export async function waitFor<T>(check: () => T | Promise<T>, o: WaitOptions): Promise<Exclude<T, false | undefined>> {
  const timeoutMs = o.timeoutMs ?? 60_000;
  const intervalMs = o.intervalMs ?? 100;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value as Exclude<T, false | undefined>;
      lastError = undefined;
    } catch (error) {
      if (error instanceof StopWaiting) throw error;
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const why = lastError ? ` (last check threw: ${lastError instanceof Error ? lastError.message : String(lastError)})` : '';
      throw new Error(`waited ${(timeoutMs / 1000).toFixed(1)} s for ${o.what}, in vain${why}`);
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(intervalMs, Math.max(0, deadline - Date.now()))));
  }
}

/** Thrown from a check to end the wait with a failure right away (e.g. the awaited process exited). */
export class StopWaiting extends Error {}
