import type pg from 'pg';

export interface Queryable {
  query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

/** Sends one text message as the tenant's bot; returns Telegram's message id. */
export type SendMessage = (chatId: number, text: string) => Promise<number>;

export interface GreeterDeps {
  readonly db: Queryable;
  readonly send: SendMessage;
  readonly chatIds: readonly number[];
  readonly greeting: string;
  /** Joins older than this are not greeted. */
  readonly maxAgeMs: number;
  readonly batch?: number;
}

export interface PassResult extends Record<string, number> {
  readonly sent: number;
  readonly failed: number;
}

export const greetingFor = (template: string, firstName: string) => template.replaceAll('{name}', firstName);

/**
 * One pass: claims the recent joins of served chats that no greeting row exists for, then greets
 * each. The claim is committed before Telegram is asked, so a join is greeted at most once, by
 * whichever welcome process claimed it; a crash in between loses that greeting, never doubles it.
 */
export async function greetNewJoins(deps: GreeterDeps, now: Date): Promise<PassResult> {
  const claimed = await deps.db.query<{ id: string; chat_id: string; first_name: string }>(
    `WITH due AS (
       SELECT j.id FROM core_chat_joins j
       WHERE j.chat_id = ANY($1::bigint[]) AND j.joined_at > $2
         AND NOT EXISTS (SELECT 1 FROM welcome_greetings g WHERE g.join_id = j.id)
       ORDER BY j.id LIMIT $3
     ), claimed AS (
       INSERT INTO welcome_greetings (join_id, claimed_at) SELECT id, $4 FROM due
       ON CONFLICT (join_id) DO NOTHING RETURNING join_id
     )
     SELECT j.id, j.chat_id, j.first_name FROM claimed c JOIN core_chat_joins j ON j.id = c.join_id ORDER BY j.id`,
    [deps.chatIds, new Date(now.getTime() - deps.maxAgeMs), deps.batch ?? 20, now],
  );
  let sent = 0;
  let failed = 0;
  for (const join of claimed.rows) {
    try {
      const messageId = await deps.send(Number(join.chat_id), greetingFor(deps.greeting, join.first_name));
      await deps.db.query('UPDATE welcome_greetings SET sent_at = $2, message_id = $3 WHERE join_id = $1', [join.id, now, messageId]);
      sent++;
    } catch (error) {
      await deps.db.query('UPDATE welcome_greetings SET error = $2 WHERE join_id = $1', [join.id, error instanceof Error ? error.message.slice(0, 500) : String(error)]);
      failed++;
    }
  }
  return { sent, failed };
}
