import type { DeployStatus, DeployStatuses } from '../../bot/ports.js';
import type { Db } from '../db/db.js';

interface Row extends Record<string, unknown> {
  tenant: string;
  conditions: { Ready?: { status?: boolean; reason?: string; message?: string } };
  failures: number;
  last_applied_revision: string | null;
  updated_at: Date;
}

/** The reconciler's tenant_status as the bot shows it; `retry` clears a failed tenant's backoff. */
export class PgDeployStatuses implements DeployStatuses {
  constructor(
    private readonly db: Db,
    /** Wakes the reconciler loop in this process, when there is one. */
    private readonly kick: () => void = () => undefined,
  ) {}

  async get(tenant: string): Promise<DeployStatus | null> {
    const result = await this.db.query<Row>(`SELECT tenant, conditions, failures, last_applied_revision, updated_at FROM tenant_status WHERE tenant = $1`, [tenant]);
    const row = result.rows[0];
    return row === undefined ? null : fromRow(row);
  }

  async failed(): Promise<DeployStatus[]> {
    const result = await this.db.query<Row>(
      `SELECT tenant, conditions, failures, last_applied_revision, updated_at FROM tenant_status
       WHERE failures > 0 AND tenant NOT LIKE 'host:%' ORDER BY updated_at DESC LIMIT 100`,
    );
    return result.rows.map(fromRow);
  }

  async retry(tenant: string): Promise<void> {
    await this.db.query(`UPDATE tenant_status SET next_attempt_at = now(), failures = 0 WHERE tenant = $1`, [tenant]);
    this.kick();
  }
}

function fromRow(r: Row): DeployStatus {
  const ready = r.conditions.Ready;
  return {
    tenant: r.tenant,
    ready: ready?.status === true,
    reason: ready?.reason ?? null,
    message: ready?.message ?? null,
    failures: r.failures,
    lastAppliedRevision: r.last_applied_revision,
    updatedAt: r.updated_at.toISOString(),
  };
}
