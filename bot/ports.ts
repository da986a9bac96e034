/**
 * What the bot needs from the rest of buckfleet, as small interfaces (DESIGN.md "Adapters at the
 * edges"). The bot reads the fleet and writes change requests; it never touches hosts, droplets
 * or tenant databases. app/ wires the real implementations (control database, fleet repo,
 * Stripe); tests wire the same ones against real PostgreSQL and a real local fleet repo.
 */
import type { StorageAdapter } from 'grammy';
import type { OrderStore, PaymentsApi } from '../billing/contract.js';
import type { ChangeRequestInput } from '../fleet/changes/index.js';
import type { Log } from '../fleet/log.js';
import type { Fleet } from '../fleet/model.js';
import type { PullRequest } from '../fleet/repo/types.js';
import type { SubmitOutcome } from '../fleet/submit.js';

/** main of the fleet repo, loaded and validated; cheap to call again while main has not moved. */
export interface FleetView {
  current(): Promise<Fleet>;
}

/** Change requests, as the bot makes and reviews them. */
export interface ChangeGateway {
  submit(input: ChangeRequestInput): Promise<SubmitOutcome>;
  listOpen(): Promise<PullRequest[]>;
  getPr(number: number): Promise<PullRequest>;
  /** Merges an open PR for an admin (updating a stale branch first); the merge commit. */
  approve(number: number, admin: number): Promise<{ readonly commit: string }>;
  /** Closes an open PR unmerged, with a comment naming the admin. */
  reject(number: number, admin: number): Promise<void>;
}

/** What getMe said about a customer's bot token. */
export type TokenCheck =
  | { readonly ok: true; readonly id: number; readonly username: string }
  /** `invalid`: not a token's shape; `revoked`: Telegram answered 401; `unreachable`: no answer, try later. */
  | { readonly ok: false; readonly reason: 'invalid' | 'revoked' | 'unreachable' };

export interface BotTokenChecker {
  check(token: string): Promise<TokenCheck>;
}

/** Seals a secret to the fleet's age recipient; the plaintext lives only for this call. */
export type Sealer = (plaintext: string) => Promise<string>;

export interface TelegramUser {
  readonly id: number;
  readonly username?: string | undefined;
  readonly firstName?: string | undefined;
  readonly languageCode?: string | undefined;
}

/** telegram_users (migrations/0003_bot.sql). */
export interface UserStore {
  /** Records the user as seen now; clears `blocked` (they wrote, so they can be written to). */
  seen(user: TelegramUser): Promise<void>;
  /** The language the user chose in the bot's settings, if any. */
  language(id: number): Promise<string | null>;
  setLanguage(id: number, language: string | null): Promise<void>;
  /** Every user the bot may message (not blocked). */
  reachable(): Promise<number[]>;
}

export interface ManualPayment {
  readonly id: number;
  readonly tenant: string;
  readonly telegramUserId: number;
  readonly kind: 'purchase' | 'renewal';
  readonly photoFileId: string | null;
  readonly reference: string | null;
  readonly amount: number;
  readonly currency: string;
  readonly status: 'pending' | 'approved' | 'rejected';
  readonly decidedBy: number | null;
  readonly createdAt: string;
}

export type NewManualPayment = Pick<ManualPayment, 'tenant' | 'telegramUserId' | 'kind' | 'photoFileId' | 'reference' | 'amount' | 'currency'>;

/** manual_payments (migrations/0003_bot.sql). */
export interface ManualPaymentStore {
  /** Null when the tenant already has a proof waiting for an admin. */
  submit(payment: NewManualPayment): Promise<ManualPayment | null>;
  get(id: number): Promise<ManualPayment | null>;
  pending(): Promise<ManualPayment[]>;
  /** Decides a pending payment once; null when it was no longer pending (another admin was first). */
  decide(id: number, decision: 'approved' | 'rejected', admin: number): Promise<ManualPayment | null>;
}

/** A restart, journaled in tenant_operations and carried out by the reconciler process. */
export type RestartRequest = { readonly status: 'queued'; readonly id: number } | { readonly status: 'rate_limited'; readonly retryAfterSeconds: number };

export interface OperationRequests {
  requestRestart(tenant: string, requestedBy: number): Promise<RestartRequest>;
}

/** What the reconciler last reported about a tenant (tenant_status). */
export interface DeployStatus {
  readonly tenant: string;
  readonly ready: boolean;
  /** Ready's reason, e.g. `Succeeded`, `Progressing`, `StepFailed`. */
  readonly reason: string | null;
  readonly message: string | null;
  readonly failures: number;
  readonly lastAppliedRevision: string | null;
  readonly updatedAt: string;
}

export interface DeployStatuses {
  get(tenant: string): Promise<DeployStatus | null>;
  /** Tenants whose last reconcile failed. */
  failed(): Promise<DeployStatus[]>;
  /** Asks the reconciler to try a failed tenant again now (clears its backoff). */
  retry(tenant: string): Promise<void>;
}

/** A message for the outbox (app/outbox.ts): sent once per dedupe key, rate-limited, retried. */
export interface QueuedMessage {
  readonly dedupeKey: string;
  readonly telegramUserId: number;
  readonly kind: string;
  readonly payload: Readonly<Record<string, unknown>>;
}

export interface Outbox {
  /** True when queued now, false when a message with that dedupe key was queued before. */
  queue(message: QueuedMessage): Promise<boolean>;
}

export interface BotLog extends Log {
  error(fields: object, message: string): void;
}

/**
 * bot_state (migrations/0003_bot.sql) as grammY storage adapters, one key space per prefix. The
 * values are JSON written by the same plugin that reads them back.
 */
export interface StateStorage {
  adapter<T>(prefix: string): StorageAdapter<T>;
}

/** Links a payment page sends the customer back to. */
export interface PaymentLinks {
  readonly successUrl: string;
  readonly cancelUrl: string;
  readonly portalReturnUrl: string;
}

export interface BotDeps {
  readonly fleet: FleetView;
  readonly changes: ChangeGateway;
  readonly orders: OrderStore;
  /** Null when Stripe is not configured: only manual payments are offered. */
  readonly payments: PaymentsApi | null;
  readonly paymentLinks: PaymentLinks;
  readonly tokens: BotTokenChecker;
  /** Seals to AGE_RECIPIENT or fleet.yaml's secretsRecipient; throws when neither is set. */
  readonly seal: Sealer;
  readonly users: UserStore;
  readonly manualPayments: ManualPaymentStore;
  readonly operations: OperationRequests;
  readonly deploys: DeployStatuses;
  readonly outbox: Outbox;
  /** Admins from ADMIN_TELEGRAM_IDS, added to fleet.yaml's. */
  readonly adminIds: readonly number[];
  /** Where conversations and sessions keep their state (bot_state): a restart loses nothing. */
  readonly storage: StateStorage;
  readonly now: () => Date;
  readonly log: BotLog;
}
