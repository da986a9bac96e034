/**
 * The error type decides the next step (Flux's source-controller habit):
 * - StalledError: a person must act (a bad image, a quota, a host key that changed); no retry.
 * - WaitingError: not ready yet (a droplet booting); requeue after `retryAfterMs`.
 * - TransientError: a fault that may pass (a dropped connection, a 5xx); retry with backoff.
 * Each carries a `reason` code for status and metrics, and the tenant and action it is about.
 */
export interface ErrorContext {
  readonly owner?: string;
  readonly action?: string;
}

export abstract class ReconcileError extends Error {
  abstract readonly kind: 'stalled' | 'waiting' | 'transient';
  constructor(
    readonly reason: string,
    message: string,
    readonly context: ErrorContext = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export class StalledError extends ReconcileError {
  override readonly name: string = 'StalledError';
  readonly kind = 'stalled' as const;
}

export class WaitingError extends ReconcileError {
  override readonly name: string = 'WaitingError';
  readonly kind = 'waiting' as const;
  constructor(
    reason: string,
    message: string,
    readonly retryAfterMs: number,
    context: ErrorContext = {},
  ) {
    super(reason, message, context);
  }
}

export class TransientError extends ReconcileError {
  override readonly name: string = 'TransientError';
  readonly kind = 'transient' as const;
}

/** Anything thrown, as a ReconcileError: unknown errors are transient, with their message kept. */
export function asReconcileError(error: unknown, context: ErrorContext): ReconcileError {
  if (error instanceof ReconcileError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new TransientError('unexpected', message, context, { cause: error });
}
