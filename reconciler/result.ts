import { type ReconcileError, WaitingError } from './errors.js';

/** The conditions of a tenant's status (Flux's Ready / Reconciling / Stalled). */
export interface Condition {
  readonly status: boolean;
  readonly reason: string;
  readonly message: string;
}

export interface Conditions {
  readonly Ready: Condition;
  readonly Reconciling: Condition;
  readonly Stalled: Condition;
}

export interface ReconcileResult {
  readonly conditions: Conditions;
  /** When to look at this owner again; null: at the next regular pass. */
  readonly requeueAfterMs: number | null;
  readonly degraded: boolean;
}

export interface Backoff {
  readonly baseMs: number;
  readonly maxMs: number;
}

/**
 * Status and requeue from how a pass ended: done (no error, nothing left), progressing (actions
 * applied, more to do), or an error whose type says what happens next. Every requeue is jittered
 * so many failing tenants do not come back in lockstep: ±20%, but a Waiting one only upwards.
 */
export function computeResult(
  outcome: { readonly error: ReconcileError | null; readonly remaining: number; readonly failures: number },
  backoff: Backoff,
  random: () => number,
): ReconcileResult {
  const jitter = (ms: number) => Math.round(ms * (0.8 + 0.4 * random()));
  const { error, remaining, failures } = outcome;
  if (error === null) {
    if (remaining === 0) {
      return { conditions: conditions(true, 'Succeeded', 'running as the fleet says', false, false), requeueAfterMs: null, degraded: false };
    }
    return { conditions: conditions(false, 'Progressing', `${remaining} steps left`, true, false), requeueAfterMs: jitter(backoff.baseMs), degraded: false };
  }
  if (error.kind === 'stalled') {
    return { conditions: conditions(false, error.reason, error.message, false, true), requeueAfterMs: null, degraded: true };
  }
  if (error instanceof WaitingError) {
    // A wait someone asked for (DigitalOcean's Retry-After) is a floor: jittered later, never sooner.
    const later = Math.round(error.retryAfterMs * (1 + 0.2 * random()));
    return { conditions: conditions(false, error.reason, error.message, true, false), requeueAfterMs: later, degraded: false };
  }
  const wait = Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.min(failures, 16));
  return { conditions: conditions(false, error.reason, error.message, true, false), requeueAfterMs: jitter(wait), degraded: failures >= 3 };
}

function conditions(ready: boolean, reason: string, message: string, reconciling: boolean, stalled: boolean): Conditions {
  return {
    Ready: { status: ready, reason, message },
    Reconciling: { status: reconciling, reason: reconciling ? reason : 'Idle', message: reconciling ? message : '' },
    Stalled: { status: stalled, reason: stalled ? reason : 'None', message: stalled ? message : '' },
  };
}
