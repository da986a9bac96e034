import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parse } from 'yaml';
import type { Db } from '../../db/db.js';
import type { MongoMapping } from './mapping.js';
import { BadRecordError, COLLECTIONS, type Mapped, mapLine, type UserRow } from './plan.js';

/** The edges of `buckfleet import mongo`: reading the dump, the fleet's tenants, the control database. */

/** A collection file of the dump is missing or unreadable: the import has not started. */
export class DumpError extends Error {
  override readonly name = 'DumpError';
}

/**
 * Every line of the four collection files, mapped or the reason it is bad. Streamed line by line:
 * only the mapped records (a few fields each) are kept, never the dump itself.
 */
export async function readDump(dir: string, mapping: MongoMapping): Promise<(Mapped | BadRecordError)[]> {
  for (const c of COLLECTIONS) {
    await access(join(dir, mapping[c].file)).catch(() => {
      throw new DumpError(`${join(dir, mapping[c].file)}: the ${c} collection's file is missing (mongoexport --collection ${c} --out ${mapping[c].file})`);
    });
  }
  const records: (Mapped | BadRecordError)[] = [];
  for (const collection of COLLECTIONS) {
    const file = mapping[collection].file;
    const lines = createInterface({ input: createReadStream(join(dir, file), { encoding: 'utf8' }), crlfDelay: Infinity });
    let line = 0;
    for await (const text of lines) {
      line += 1;
      // mongoexport ends with a newline; a blank line is no record.
      if (text.trim() === '') continue;
      try {
        records.push(mapLine(collection, text, { file, line }, mapping));
      } catch (error) {
        if (!(error instanceof BadRecordError)) throw error;
        records.push(error);
      }
    }
  }
  return records;
}

/** The owner of each tenant in `files` that `skip` does not hold (tenants/<slug>/tenant.yaml). */
export function tenantOwners(files: ReadonlyMap<string, string>, skip: ReadonlySet<string> = new Set()): Map<string, number> {
  const owners = new Map<string, number>();
  for (const [path, text] of files) {
    const m = /^tenants\/([^/]+)\/tenant\.yaml$/.exec(path);
    if (!m?.[1] || skip.has(m[1])) continue;
    const doc: unknown = parse(text);
    const owner = typeof doc === 'object' && doc !== null && 'owner' in doc ? doc.owner : null;
    const id = typeof owner === 'object' && owner !== null && 'telegramUserId' in owner ? Number(owner.telegramUserId) : Number.NaN;
    owners.set(m[1], id);
  }
  return owners;
}

export type UserWrite = 'inserted' | 'filled' | 'unchanged';

/**
 * Upserts the users in one statement per thousand. A user the bot already knows keeps what it
 * knows (it is newer than the dump); only empty fields are filled. A row that would not change
 * is not written at all, so a second import leaves every row as it was.
 */
export async function upsertUsers(db: Db, users: readonly UserRow[]): Promise<Map<number, UserWrite>> {
  const result = new Map<number, UserWrite>(users.map((u) => [u.id, 'unchanged']));
  for (let i = 0; i < users.length; i += 1000) {
    const chunk = users.slice(i, i + 1000);
    const rows = await db.query<{ id: string; inserted: boolean }>(
      `INSERT INTO telegram_users AS t (id, username, first_name, telegram_language, first_seen_at, last_seen_at)
       SELECT u.id, u.username, u.first_name, u.lang, coalesce(u.created, now()), coalesce(u.created, now())
         FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::timestamptz[]) AS u(id, username, first_name, lang, created)
       ON CONFLICT (id) DO UPDATE SET
         username = coalesce(t.username, excluded.username),
         first_name = coalesce(t.first_name, excluded.first_name),
         telegram_language = coalesce(t.telegram_language, excluded.telegram_language)
       WHERE (t.username IS NULL AND excluded.username IS NOT NULL)
          OR (t.first_name IS NULL AND excluded.first_name IS NOT NULL)
          OR (t.telegram_language IS NULL AND excluded.telegram_language IS NOT NULL)
       RETURNING id, (xmax = 0) AS inserted`,
      [chunk.map((u) => u.id), chunk.map((u) => u.username), chunk.map((u) => u.firstName), chunk.map((u) => u.language), chunk.map((u) => u.createdAt)],
    );
    for (const r of rows.rows) result.set(Number(r.id), r.inserted ? 'inserted' : 'filled');
  }
  return result;
}
