import type { ManualPayment, ManualPaymentStore, NewManualPayment } from '../../bot/ports.js';
import type { Db } from '../db/db.js';

interface Row extends Record<string, unknown> {
  id: string;
  tenant: string;
  telegram_user_id: string;
  kind: 'purchase' | 'renewal';
  photo_file_id: string | null;
  reference: string | null;
  amount: number;
  currency: string;
  status: 'pending' | 'approved' | 'rejected';
  decided_by: string | null;
  created_at: Date;
}

const COLUMNS = `id, tenant, telegram_user_id, kind, photo_file_id, reference, amount, currency, status, decided_by, created_at`;

/** manual_payments: a customer's proof of a bank or crypto payment, and an admin's decision. */
export class PgManualPaymentStore implements ManualPaymentStore {
  constructor(private readonly db: Db) {}

  async submit(p: NewManualPayment): Promise<ManualPayment | null> {
    const result = await this.db.query<Row>(
      `INSERT INTO manual_payments (tenant, telegram_user_id, kind, photo_file_id, reference, amount, currency)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (tenant) WHERE status = 'pending' DO NOTHING
       RETURNING ${COLUMNS}`,
      [p.tenant, p.telegramUserId, p.kind, p.photoFileId, p.reference, p.amount, p.currency],
    );
    const row = result.rows[0];
    return row === undefined ? null : fromRow(row);
  }

  async get(id: number): Promise<ManualPayment | null> {
    const result = await this.db.query<Row>(`SELECT ${COLUMNS} FROM manual_payments WHERE id = $1`, [id]);
    const row = result.rows[0];
    return row === undefined ? null : fromRow(row);
  }

  async pending(): Promise<ManualPayment[]> {
    const result = await this.db.query<Row>(`SELECT ${COLUMNS} FROM manual_payments WHERE status = 'pending' ORDER BY created_at, id`);
    return result.rows.map(fromRow);
  }

  async decide(id: number, decision: 'approved' | 'rejected', admin: number): Promise<ManualPayment | null> {
    const result = await this.db.query<Row>(
      `UPDATE manual_payments SET status = $2, decided_by = $3, decided_at = now()
       WHERE id = $1 AND status = 'pending' RETURNING ${COLUMNS}`,
      [id, decision, admin],
    );
    const row = result.rows[0];
    return row === undefined ? null : fromRow(row);
  }
}

function fromRow(r: Row): ManualPayment {
  return {
    id: Number(r.id),
    tenant: r.tenant,
    telegramUserId: Number(r.telegram_user_id),
    kind: r.kind,
    photoFileId: r.photo_file_id,
    reference: r.reference,
    amount: r.amount,
    currency: r.currency,
    status: r.status,
    decidedBy: r.decided_by === null ? null : Number(r.decided_by),
    createdAt: r.created_at.toISOString(),
  };
}
