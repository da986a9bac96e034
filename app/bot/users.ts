import type { TelegramUser, UserStore } from '../../bot/ports.js';
import type { Db } from '../db/db.js';

/** telegram_users: who the bot has seen, their chosen language, whether they blocked the bot. */
export class PgUserStore implements UserStore {
  constructor(private readonly db: Db) {}

  async seen(user: TelegramUser): Promise<void> {
    await this.db.query(
      `INSERT INTO telegram_users (id, username, first_name, telegram_language, first_seen_at, last_seen_at)
       VALUES ($1, $2, $3, $4, now(), now())
       ON CONFLICT (id) DO UPDATE SET username = excluded.username, first_name = excluded.first_name,
         telegram_language = excluded.telegram_language, last_seen_at = now(), blocked_at = NULL`,
      [user.id, user.username ?? null, user.firstName ?? null, user.languageCode ?? null],
    );
  }

  async language(id: number): Promise<string | null> {
    const result = await this.db.query<{ language: string | null }>(`SELECT language FROM telegram_users WHERE id = $1`, [id]);
    return result.rows[0]?.language ?? null;
  }

  async setLanguage(id: number, language: string | null): Promise<void> {
    await this.db.query(`UPDATE telegram_users SET language = $2 WHERE id = $1`, [id, language]);
  }

  async reachable(): Promise<number[]> {
    const result = await this.db.query<{ id: string }>(`SELECT id FROM telegram_users WHERE blocked_at IS NULL ORDER BY id`);
    return result.rows.map((r) => Number(r.id));
  }

  /** Telegram said 403: skip them until they write again (`seen` clears it). */
  async markBlocked(id: number): Promise<void> {
    await this.db.query(`UPDATE telegram_users SET blocked_at = now() WHERE id = $1 AND blocked_at IS NULL`, [id]);
  }

  async isBlocked(id: number): Promise<boolean> {
    const result = await this.db.query(`SELECT 1 FROM telegram_users WHERE id = $1 AND blocked_at IS NOT NULL`, [id]);
    return result.rows.length > 0;
  }

  /** The language to write to someone outside an update: their choice, else Telegram's. */
  async messageLanguage(id: number): Promise<string | null> {
    const result = await this.db.query<{ lang: string | null }>(`SELECT coalesce(language, telegram_language) AS lang FROM telegram_users WHERE id = $1`, [id]);
    return result.rows[0]?.lang ?? null;
  }
}
