import type { Log } from '../../fleet/log.js';

/**
 * The loop every background worker of the control plane runs in: one round, then another at
 * once while there is more to do, else a jittered sleep that `kick()` (new work arrived) or the
 * stop signal cuts short. A round that throws is logged and retried after `retryMs`; the loop
 * itself never dies of it. On stop, the round in progress is finished — a worker never leaves
 * an item half done on purpose — and `done` resolves.
 */

export interface WorkerLoopOptions {
  /** For logs: `stripe-inbox`, `billing-clock`. */
  readonly name: string;
  /** Idle wait between rounds, jittered ±20% so processes started together spread out. */
  readonly intervalMs: number;
  /** Wait after a round that failed as a whole (database down). */
  readonly retryMs: number;
  readonly signal: AbortSignal;
  readonly log: Log;
  readonly random: () => number;
  /** One round of work; true when it may have left more for an immediate next round. */
  readonly round: () => Promise<boolean>;
}

export interface WorkerLoop {
  /** Run a round as soon as the current one (if any) ends. */
  kick(): void;
  /** Resolves once stopped and the last round has ended. */
  readonly done: Promise<void>;
}

export function startWorkerLoop(opts: WorkerLoopOptions): WorkerLoop {
  let kicked = false;
  let wake: (() => void) | null = null;
  const kick = () => {
    kicked = true;
    wake?.();
  };
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        opts.signal.removeEventListener('abort', finish);
        wake = null;
        resolve();
      };
      const timer = setTimeout(finish, ms);
      wake = finish;
      opts.signal.addEventListener('abort', finish, { once: true });
    });

  const done = (async () => {
    while (!opts.signal.aborted) {
      kicked = false;
      let wait = Math.round(opts.intervalMs * (0.8 + 0.4 * opts.random()));
      try {
        if (await opts.round()) wait = 0;
      } catch (error) {
        wait = opts.retryMs;
        opts.log.warn({ worker: opts.name, err: error instanceof Error ? error.message : String(error), retryInMs: wait }, 'worker round failed');
      }
      if (opts.signal.aborted) break;
      // A kick during the round means work arrived that the round may have missed.
      if (wait > 0 && !kicked) await sleep(wait);
    }
    opts.log.info({ worker: opts.name }, 'worker stopped');
  })();
  return { kick, done };
}
