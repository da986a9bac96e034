import type { Log } from '../fleet/log.js';
import type { ChangeRequests, FleetRepo } from '../fleet/repo/types.js';
import type { RolloutRecord } from './rollout.js';

/**
 * What the release workflow and the rollout need from outside modules/: the fleet repo, the
 * outbox and rollout records in the control database, the reconciler's tenant status, a clock.
 * app/ implements them on PostgreSQL; modules/ stays free of database code.
 */

export interface OutboxWriter {
  /** Queues a message unless one with its dedupe key exists; true when queued now. */
  queue(message: { dedupeKey: string; telegramUserId: number; kind: string; payload: Record<string, unknown> }): Promise<boolean>;
}

export interface RolloutStore {
  get(module: string, version: string): Promise<RolloutRecord | null>;
  /** Records a new rollout; when one exists for the release already, returns that one unchanged. */
  start(record: RolloutRecord): Promise<RolloutRecord>;
  /** Rollouts still in their canary stage, oldest first. */
  active(): Promise<RolloutRecord[]>;
  save(record: RolloutRecord): Promise<void>;
}

/** The reconciler's status of one tenant (tenant_status), as the rollout reads it. */
export interface TenantHealth {
  readonly slug: string;
  readonly ready: boolean;
  readonly stalled: boolean;
  readonly failures: number;
  readonly reason: string | null;
  readonly lastAppliedRevision: string | null;
  readonly lastAttemptedRevision: string | null;
}

export interface TenantHealthReader {
  /** Status of the given tenants; a tenant the reconciler never looked at is absent. */
  get(slugs: readonly string[]): Promise<Map<string, TenantHealth>>;
}

export interface ReleaseDeps {
  readonly repo: FleetRepo;
  readonly prs: ChangeRequests;
  readonly outbox: OutboxWriter;
  readonly rollouts: RolloutStore;
  /** The clock, injected. */
  readonly now: () => Date;
  readonly log?: Log;
}
