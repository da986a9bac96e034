import type { Log } from '../../fleet/log.js';
import { type AdvanceDeps, advanceRollouts, describeAdvance } from '../../modules/advance.js';
import { startWorkerLoop, type WorkerLoop } from './loop.js';

/**
 * Staged rollouts advance by themselves: every interval, each release in its canary stage is
 * checked (modules/advance.ts) — the rest's PR opened once the canary soaked, or the rollout
 * halted and the admins told. `buckfleet rollout advance` does one round by hand. Processes side
 * by side are safe: the rest's PR is keyed by the release (one PR), alerts by their dedupe keys.
 */
export function startRolloutWorker(deps: AdvanceDeps & { readonly log: Log }, opts: { readonly signal: AbortSignal; readonly intervalMs?: number; readonly random?: () => number }): WorkerLoop {
  return startWorkerLoop({
    name: 'rollouts',
    // Soaks last minutes to days: a minute late is nothing, and each round reads main.
    intervalMs: opts.intervalMs ?? 60_000,
    retryMs: 60_000,
    signal: opts.signal,
    log: deps.log,
    random: opts.random ?? Math.random,
    round: async () => {
      for (const report of await advanceRollouts(deps)) {
        if (report.decision.kind === 'advance' || report.decision.kind === 'halt') deps.log.info({ tag: report.tag }, describeAdvance(report));
      }
      return false;
    },
  });
}
