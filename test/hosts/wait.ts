import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** Polls `check` until it returns true; `check` throwing ends the wait at once (a daemon died). */
export async function waitUntil(what: string, timeoutMs: number, check: () => Promise<boolean>, intervalMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`${what} not ready after ${timeoutMs} ms`);
    await sleep(intervalMs);
  }
}

/** The end of a daemon's log, for a startup failure's message. */
export function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch (error) {
    return `(no log: ${error instanceof Error ? error.message : String(error)})`;
  }
}
