import type { Log } from '../fleet/log.js';

export interface LoopOptions {
  /** Drift detection: a full pass at least this often (jittered ±20%). */
  readonly intervalMs: number;
  /** How often main's head is checked; a new head starts a pass at once. */
  readonly pollMs: number;
  /** How soon a pass that failed as a whole (database down, repo unreadable) is tried again. */
  readonly retryMs: number;
  readonly signal: AbortSignal;
  readonly random: () => number;
  readonly log: Log;
}

export interface LoopDeps {
  /** The head of main, cheap to ask (the push webhook also calls `kick`). */
  head(): Promise<string | null>;
  /** One reconcile pass; returns the soonest requeue any owner asked for, if any. */
  pass(): Promise<{ readonly requeueAfterMs: number | null }>;
}

/**
 * Runs reconcile passes until `signal` aborts: on an interval (drift repair), sooner when an owner
 * asked to be requeued, and at once when main moves or `kick()` is called (a push webhook). A
 * failing pass is logged and tried again after `retryMs`; the loop itself never dies of it. A
 * pass in progress is finished before the loop returns.
 */
export function startLoop(deps: LoopDeps, opts: LoopOptions): { kick(): void; done: Promise<void> } {
  let wake: (() => void) | null = null;
  let kicked = false;
  const kick = () => {
    kicked = true;
    wake?.();
  };
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        opts.signal.removeEventListener('abort', done);
        wake = null;
        resolve();
      }
      wake = done;
      opts.signal.addEventListener('abort', done, { once: true });
    });

  const done = (async () => {
    let lastHead: string | null = null;
    let nextPassAt = 0;
    while (!opts.signal.aborted) {
      const head = await deps.head().catch((error: unknown) => {
        opts.log.warn({ err: (error as Error).message }, 'cannot read the head of main');
        return lastHead;
      });
      if (kicked || head !== lastHead || Date.now() >= nextPassAt) {
        kicked = false;
        lastHead = head;
        // The loop's own waits are jittered here; an owner's requeue comes jittered already, and
        // may be a wait someone asked for (a Retry-After): shortening it would come back too soon.
        let wait = Math.round(opts.intervalMs * (0.8 + 0.4 * opts.random()));
        try {
          const { requeueAfterMs } = await deps.pass();
          if (requeueAfterMs !== null) wait = Math.min(wait, requeueAfterMs);
        } catch (error) {
          wait = Math.min(wait, Math.round(opts.retryMs * (0.8 + 0.4 * opts.random())));
          opts.log.warn({ err: (error as Error).message, retryInMs: wait }, 'reconcile pass failed');
        }
        nextPassAt = Date.now() + wait;
        // Straight back to the check: a kick or a new head during the pass (a customer who paid
        // meanwhile) starts the next pass now, not after a poll interval.
        continue;
      }
      if (!opts.signal.aborted) await sleep(Math.max(0, Math.min(opts.pollMs, nextPassAt - Date.now())));
    }
  })();
  return { kick, done };
}
