import { type Log, silentLog } from '../fleet/log.js';
import type { ChangeRequests, FleetRepo } from '../fleet/repo/types.js';
import type { AdvanceDeps } from '../modules/advance.js';
import type { OutboxWriter, RolloutStore, TenantHealth, TenantHealthReader } from '../modules/ports.js';
import { RolloutRecord } from '../modules/rollout.js';
import type { Config } from './config.js';
import type { Db } from './db/db.js';
import { migrate } from './db/migrate.js';
import { openControlDb } from './db/open.js';
import { openFleetRepo } from './fleet-repo.js';
import { queueMessage } from './outbox.js';

/**
 * What `buckfleet release` and `buckfleet rollout advance` run on: the configured fleet repo,
 * the control database (migrated, since the release workflow may be the first to reach a new
 * one), and the real clock. `close` ends the database.
 */
export async function openReleaseDeps(
  config: Config,
  cwd: string,
  opts: { log?: Log; now?: () => Date } = {},
): Promise<{ deps: AdvanceDeps; close: () => Promise<void> }> {
  const log = opts.log ?? silentLog;
  const repo = await openFleetRepo(config, cwd);
  const db = await openControlDb(config, { log, cwd });
  try {
    await migrate(db.url, { log });
  } catch (error) {
    await db.close();
    throw error;
  }
  return { deps: releaseDeps(db.pool, repo, { extraAdmins: config.adminTelegramIds, log, now: opts.now ?? (() => new Date()) }), close: () => db.close() };
}

/** The release and rollout ports on an open control database and fleet repo (the control plane's). */
export function releaseDeps(db: Db, repo: FleetRepo & ChangeRequests, opts: { extraAdmins: readonly number[]; log: Log; now: () => Date }): AdvanceDeps & { readonly log: Log } {
  return {
    repo,
    prs: repo,
    outbox: pgOutboxWriter(db),
    rollouts: new PgRolloutStore(db),
    health: new PgTenantHealth(db),
    extraAdmins: opts.extraAdmins,
    now: opts.now,
    log: opts.log,
  };
}

/** modules/'s ports on the control database: the outbox, the rollouts table (0005), tenant_status. */

export const pgOutboxWriter = (db: Db): OutboxWriter => ({ queue: (message) => queueMessage(db, message) });

interface RolloutRow extends Record<string, unknown> {
  module: string;
  version: string;
  state: string;
  canary: unknown;
  canary_pr: number;
  rest_pr: number | null;
  soak_starts: unknown;
  halted_reason: string | null;
  started_at: Date;
}

const COLUMNS = 'module, version, state, canary, canary_pr, rest_pr, soak_starts, halted_reason, started_at';

/** Rows outlive the code that wrote them: each is checked against the schema on the way out. */
function fromRow(r: RolloutRow): RolloutRecord {
  return RolloutRecord.parse({
    module: r.module,
    version: r.version,
    state: r.state,
    canary: r.canary,
    canaryPr: r.canary_pr,
    restPr: r.rest_pr,
    healthySince: r.soak_starts,
    haltedReason: r.halted_reason,
    startedAt: r.started_at.toISOString(),
  });
}

export class PgRolloutStore implements RolloutStore {
  constructor(private readonly db: Db) {}

  async get(module: string, version: string): Promise<RolloutRecord | null> {
    const r = await this.db.query<RolloutRow>(`SELECT ${COLUMNS} FROM rollouts WHERE module = $1 AND version = $2`, [module, version]);
    return r.rows[0] === undefined ? null : fromRow(r.rows[0]);
  }

  async start(record: RolloutRecord): Promise<RolloutRecord> {
    // Two release runs at once: the first insert wins, both go on with the same record.
    await this.db.query(
      `INSERT INTO rollouts (module, version, state, canary, canary_pr, rest_pr, soak_starts, halted_reason, started_at)
       VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7::jsonb, $8, $9) ON CONFLICT (module, version) DO NOTHING`,
      [record.module, record.version, record.state, JSON.stringify(record.canary), record.canaryPr, record.restPr, JSON.stringify(record.healthySince), record.haltedReason, record.startedAt],
    );
    const stored = await this.get(record.module, record.version);
    if (stored === null) throw new Error(`rollout ${record.module}@${record.version} vanished right after it was recorded`);
    return stored;
  }

  async active(): Promise<RolloutRecord[]> {
    const r = await this.db.query<RolloutRow>(`SELECT ${COLUMNS} FROM rollouts WHERE state = 'canary' ORDER BY started_at, module, version`);
    return r.rows.map(fromRow);
  }

  async save(record: RolloutRecord): Promise<void> {
    // Only a rollout still in its canary stage moves: a halt or completion is final.
    await this.db.query(
      `UPDATE rollouts SET state = $3, rest_pr = $4, soak_starts = $5::jsonb, halted_reason = $6, updated_at = now()
       WHERE module = $1 AND version = $2 AND state = 'canary'`,
      [record.module, record.version, record.state, record.restPr, JSON.stringify(record.healthySince), record.haltedReason],
    );
  }
}

interface StatusRow extends Record<string, unknown> {
  tenant: string;
  conditions: { Ready?: { status?: boolean; reason?: string; message?: string }; Stalled?: { status?: boolean; reason?: string; message?: string } };
  failures: number;
  last_applied_revision: string | null;
  last_attempted_revision: string | null;
}

/** The reconciler's tenant_status of some tenants. */
export class PgTenantHealth implements TenantHealthReader {
  constructor(private readonly db: Db) {}

  async get(slugs: readonly string[]): Promise<Map<string, TenantHealth>> {
    const r = await this.db.query<StatusRow>(
      `SELECT tenant, conditions, failures, last_applied_revision, last_attempted_revision FROM tenant_status WHERE tenant = ANY($1::text[])`,
      [[...slugs]],
    );
    return new Map(
      r.rows.map((row) => {
        const { Ready: ready, Stalled: stalled } = row.conditions;
        const failing = stalled?.status === true ? stalled : ready;
        const reason = ready?.status === true ? null : [failing?.reason, failing?.message].filter((s) => s !== undefined && s !== '').join(': ') || null;
        return [
          row.tenant,
          {
            slug: row.tenant,
            ready: ready?.status === true,
            stalled: stalled?.status === true,
            failures: row.failures,
            reason,
            lastAppliedRevision: row.last_applied_revision,
            lastAttemptedRevision: row.last_attempted_revision,
          },
        ] as const;
      }),
    );
  }
}
