import type pg from 'pg';
import { atLeast } from './config.js';

/** The one database seam core needs: a pg Pool or Client both fit. */
export interface Queryable {
  query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

/** The tables each version's migrations create (modules/core/migrations/<version>/). */
export function requiredTables(version: string): string[] {
  return atLeast(version, 1, 1) ? ['core_users', 'core_chat_joins'] : ['core_users'];
}

/**
 * core does not migrate: the reconciler applies `modules/core/migrations/` before it starts the
 * stack. Starting on a database without them would fail on the first /start instead, so core
 * says at once what is missing and exits (docker restarts it once the migrations are in).
 */
export class SchemaMissingError extends Error {
  override readonly name = 'SchemaMissingError';
  constructor(
    readonly version: string,
    readonly missing: readonly string[],
  ) {
    super(`core ${version} needs the tables ${missing.join(', ')}, which are not in the database: the reconciler applies modules/core/migrations before starting core`);
  }
}

export async function assertSchema(db: Queryable, version: string): Promise<void> {
  const tables = requiredTables(version);
  const r = await db.query<{ name: string; present: boolean }>('SELECT t AS name, to_regclass(t) IS NOT NULL AS present FROM unnest($1::text[]) AS t', [tables]);
  const missing = r.rows.filter((row) => !row.present).map((row) => row.name);
  if (missing.length > 0) throw new SchemaMissingError(version, missing);
}

export interface TelegramPerson {
  readonly id: number;
  readonly first_name: string;
  readonly username?: string | undefined;
  readonly language_code?: string | undefined;
}

/** A /start: a new user, or one more start of a known one. */
export async function recordUser(db: Queryable, user: TelegramPerson): Promise<void> {
  await db.query(
    `INSERT INTO core_users (telegram_id, first_name, username, language_code) VALUES ($1, $2, $3, $4)
     ON CONFLICT (telegram_id) DO UPDATE SET first_name = EXCLUDED.first_name, username = EXCLUDED.username,
       language_code = EXCLUDED.language_code, last_seen = now(), starts = core_users.starts + 1`,
    [user.id, user.first_name, user.username ?? null, user.language_code ?? null],
  );
}

/**
 * A member joined a served chat. Telegram may tell the same join twice: as a `new_chat_members`
 * service message and as a `chat_member` update (a minute apart at most), and a restarted poller
 * may get an update again; either way one row, so welcome greets once.
 */
export async function recordJoin(db: Queryable, join: { updateId: number; chatId: number; user: TelegramPerson; date: number }): Promise<boolean> {
  const r = await db.query(
    `INSERT INTO core_chat_joins (update_id, chat_id, user_id, first_name, username, joined_at)
     SELECT $1, $2, $3, $4, $5, to_timestamp($6)
     WHERE NOT EXISTS (SELECT 1 FROM core_chat_joins WHERE chat_id = $2 AND user_id = $3
                       AND joined_at BETWEEN to_timestamp($6) - interval '1 minute' AND to_timestamp($6) + interval '1 minute')
     ON CONFLICT (update_id, user_id) DO NOTHING`,
    [join.updateId, join.chatId, join.user.id, join.user.first_name, join.user.username ?? null, join.date],
  );
  return r.rowCount === 1;
}

export interface AdminStats {
  readonly users: number;
  readonly newUsers7d: number;
  /** null before 1.1.0, which has no joins table. */
  readonly joins7d: number | null;
}

export async function adminStats(db: Queryable, version: string): Promise<AdminStats> {
  const users = await db.query<{ users: string; recent: string }>(
    "SELECT count(*) AS users, count(*) FILTER (WHERE first_seen > now() - interval '7 days') AS recent FROM core_users",
  );
  let joins7d: number | null = null;
  if (atLeast(version, 1, 1)) {
    const j = await db.query<{ n: string }>("SELECT count(*) AS n FROM core_chat_joins WHERE joined_at > now() - interval '7 days'");
    joins7d = Number(j.rows[0]?.n ?? 0);
  }
  return { users: Number(users.rows[0]?.users ?? 0), newUsers7d: Number(users.rows[0]?.recent ?? 0), joins7d };
}
