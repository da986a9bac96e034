import { createHash } from 'node:crypto';
import type { Action } from './actions.js';
import type { StepContext } from './context.js';
import { asReconcileError, type ReconcileError, TransientError, WaitingError } from './errors.js';
import { runStep } from './steps/index.js';
import type { Journal } from './store.js';

export interface ApplyHooks {
  /**
   * Called right after a step is journaled as started (`before` it runs) and right after it ran,
   * before it is journaled done (`after`): the crash tests kill the process at both.
   */
  readonly failpoint?: (action: Action, stage: 'before' | 'after') => void;
  /** Called after each done step, for progress messages ("step 3 of 6"); `next` is the step that follows, if any. */
  readonly progress?: (action: Action, index: number, total: number, next: Action | null) => Promise<void>;
  /** Aborted when the owner's lock is lost: no further step starts, another process may own it now. */
  readonly lockLost?: AbortSignal;
  /**
   * Aborted when the process is stopping (SIGTERM): no further step starts; the owner's turn ends
   * as Waiting and the next start (of this or another process) picks it up where it stopped.
   */
  readonly stopping?: AbortSignal;
}

export interface ApplyOutcome {
  readonly error: ReconcileError | null;
  readonly applied: readonly string[];
  /** Steps not done when the owner's turn ended. */
  readonly remaining: number;
}

/** Identifies a plan: the same actions give the same hash, so a resumed pass finds its operation. */
export const planHash = (actions: readonly Action[]) => createHash('sha256').update(JSON.stringify(actions)).digest('hex').slice(0, 32);

/**
 * Applies one owner's actions in order under its lock. Each step is journaled `started` before
 * it runs and `done` or `failed` after, and a step already done in this operation is skipped, so
 * a process killed at any point resumes where it stopped. The first failure ends the owner's turn
 * (its later steps depend on it); other owners go on. Steps of other owners (a shared host's
 * creation) must be done in this pass (`doneInPass`), or the step waits for the next pass.
 */
export async function applyOwner(
  ctx: StepContext,
  journal: Journal,
  owner: string,
  actions: readonly Action[],
  revision: string,
  doneInPass: Set<string>,
  hooks: ApplyHooks = {},
): Promise<ApplyOutcome> {
  const op = await journal.open(owner, revision, planHash(actions), actions);
  const mine = new Set(actions.map((a) => a.id));
  const applied: string[] = [];
  for (const [index, action] of actions.entries()) {
    if (op.steps.get(action.id)?.status === 'done') {
      doneInPass.add(action.id);
      continue;
    }
    const waiting = action.dependsOn.filter((d) => !mine.has(d) && !doneInPass.has(d));
    let started = false;
    try {
      if (hooks.lockLost?.aborted) throw new TransientError('LockLost', `the lock of ${owner} was lost (its database connection ended); stopping before ${action.id}`, { owner, action: action.id });
      if (hooks.stopping?.aborted) throw new WaitingError('ShuttingDown', `the reconciler is stopping; ${action.id} starts on its next run`, 1_000, { owner, action: action.id });
      if (waiting.length > 0) throw new WaitingError('DependencyPending', `waiting for ${waiting.join(', ')}`, 10_000, { owner, action: action.id });
      await journal.started(op.id, action);
      started = true;
      hooks.failpoint?.(action, 'before');
      const result = await runStep(ctx, action);
      hooks.failpoint?.(action, 'after');
      await journal.done(op.id, action.id, result);
      doneInPass.add(action.id);
      applied.push(action.id);
      ctx.log.info({ tenant: owner, operation: op.id, action: action.id, step: index + 1, of: actions.length }, 'step done');
      await hooks.progress?.(action, index + 1, actions.length, actions[index + 1] ?? null);
    } catch (thrown) {
      const error = asReconcileError(thrown, { owner, action: action.id });
      if (started) await journal.failed(op.id, action.id, error.message);
      await journal.finish(op.id, 'failed', error.message);
      ctx.log.warn({ tenant: owner, operation: op.id, action: action.id, reason: error.reason, kind: error.kind, err: error.message }, 'step failed');
      return { error, applied, remaining: actions.length - index };
    }
  }
  await journal.finish(op.id, 'succeeded', null);
  return { error: null, applied, remaining: 0 };
}
