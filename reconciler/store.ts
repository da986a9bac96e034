import type { Action } from './actions.js';
import type { Conditions } from './result.js';

export type StepStatus = 'started' | 'done' | 'failed';

export interface StepRecord {
  readonly actionId: string;
  readonly status: StepStatus;
  readonly attempt: number;
  readonly error: string | null;
}

export interface Operation {
  readonly id: number;
  readonly owner: string;
  readonly revision: string;
  readonly planHash: string;
  readonly steps: ReadonlyMap<string, StepRecord>;
}

/**
 * The reconcile journal in the control database: operation → steps → outcome. A crash at any
 * point leaves a running operation whose done steps are skipped when the same plan is resumed.
 */
export interface Journal {
  /**
   * The running operation of `owner` for this plan, resumed, or a new one. A running operation
   * for another plan is marked superseded first: the world moved, the new plan is what counts.
   */
  open(owner: string, revision: string, planHash: string, actions: readonly Action[]): Promise<Operation>;
  started(operation: number, action: Action): Promise<void>;
  done(operation: number, actionId: string, result: Record<string, unknown>): Promise<void>;
  failed(operation: number, actionId: string, error: string): Promise<void>;
  finish(operation: number, status: 'succeeded' | 'failed', error: string | null): Promise<void>;
  /**
   * The owner has nothing left to do: its running operation, if any (a process killed, or the
   * database gone, before the last step was journaled), is marked superseded.
   */
  settle(owner: string): Promise<void>;
}

export interface OwnerStatus {
  readonly owner: string;
  readonly conditions: Conditions;
  readonly lastAttemptedRevision: string;
  readonly lastAppliedRevision: string | null;
  readonly failures: number;
  readonly nextAttemptAt: string | null;
}

/** Per-tenant status (Flux's conditions), in PostgreSQL, never committed to Git. */
export interface StatusStore {
  get(owner: string): Promise<OwnerStatus | null>;
  put(status: OwnerStatus): Promise<void>;
}

/** The pinned SSH host keys of the droplets buckfleet made. */
export interface HostKeyStore {
  get(host: string): Promise<string | null>;
  /** Stored before the droplet is created, so a crash between the two never loses the pin. */
  put(host: string, publicKey: string): Promise<void>;
  remove(host: string): Promise<void>;
}

/** What the reconciler tells people: events for the record, outbox messages for the bot to send once. */
export interface Notifier {
  event(tenant: string, kind: string, payload: Record<string, unknown>): Promise<void>;
  /** Queued for the bot; `dedupeKey` makes a retried pass queue it once. */
  message(dedupeKey: string, telegramUserId: number, kind: string, payload: Record<string, unknown>): Promise<void>;
}
