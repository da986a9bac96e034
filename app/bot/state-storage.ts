import type { StorageAdapter } from 'grammy';
import type { StateStorage } from '../../bot/ports.js';
import type { Db } from '../db/db.js';

/**
 * grammY storage in bot_state: conversations and sessions survive a restart, and every process
 * of the control plane sees the same state. Keys are namespaced by prefix.
 */
export class PgStateStorage implements StateStorage {
  constructor(private readonly db: Db) {}

  adapter<T>(prefix: string): StorageAdapter<T> {
    const db = this.db;
    return {
      async read(key: string): Promise<T | undefined> {
        const result = await db.query<{ value: T }>(`SELECT value FROM bot_state WHERE key = $1`, [prefix + key]);
        return result.rows[0]?.value;
      },
      async write(key: string, value: T): Promise<void> {
        await db.query(
          `INSERT INTO bot_state (key, value, updated_at) VALUES ($1, $2::jsonb, now())
           ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = now()`,
          [prefix + key, JSON.stringify(value)],
        );
      },
      async delete(key: string): Promise<void> {
        await db.query(`DELETE FROM bot_state WHERE key = $1`, [prefix + key]);
      },
    };
  }
}
