import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../app/db/embedded.js';
import { migrate } from '../app/db/migrate.js';
import { Secret } from '../fleet/secret.js';

/**
 * The database of the webhooks benchmark: DATABASE_URL when set (its schema migrated, the
 * benchmark's rows deleted afterwards by their id prefix), otherwise an embedded PostgreSQL in a
 * temporary folder, as the test runs use (test/pg/global-setup.ts), deleted afterwards. The
 * server's defaults are kept (fsync and synchronous_commit on): "recorded" means committed.
 */

export interface BenchDatabase {
  /** For the server process; a Secret because it holds the password. */
  readonly url: Secret;
  /** The benchmark's own pool, for the checks after each run. */
  readonly pool: pg.Pool;
  /** `embedded` or `DATABASE_URL`, and the server's version and durability settings, for the report. */
  readonly describe: { readonly source: string; readonly version: string; readonly fsync: string; readonly synchronousCommit: string };
  /** Deletes rows whose id starts with `idPrefix` (a kept DATABASE_URL), ends the pool, stops an embedded server. */
  close(idPrefix: string): Promise<void>;
}

export async function openBenchDatabase(): Promise<BenchDatabase> {
  const configured = process.env.DATABASE_URL;
  if (configured !== undefined && configured !== '') return open(new Secret(configured), 'DATABASE_URL', () => Promise.resolve());
  const root = await mkdtemp(join(tmpdir(), 'buckfleet-bench-pg-'));
  // mkdtemp makes the folder 0700; as root the server runs as `postgres` and must enter it.
  await chmod(root, 0o755);
  try {
    const server = await startEmbeddedPostgres({
      dataDir: join(root, 'data'),
      port: 0,
      password: new Secret(randomBytes(18).toString('base64url')),
      listen: '127.0.0.1',
      allow: ['127.0.0.1/32'],
      persistent: false,
    });
    return await open(server.url, 'embedded', async () => {
      await server.stop();
      await rm(root, { recursive: true, force: true });
    });
  } catch (error) {
    await rm(root, { recursive: true, force: true });
    throw error;
  }
}

async function open(url: Secret, source: string, stop: () => Promise<void>): Promise<BenchDatabase> {
  await migrate(url);
  const pool = new pg.Pool({ connectionString: url.reveal(), max: 2 });
  const setting = async (name: string) => (await pool.query<{ setting: string }>('SELECT setting FROM pg_settings WHERE name = $1', [name])).rows[0]?.setting ?? 'unknown';
  const version = (await pool.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]?.v ?? 'unknown';
  return {
    url,
    pool,
    describe: { source, version, fsync: await setting('fsync'), synchronousCommit: await setting('synchronous_commit') },
    close: async (idPrefix) => {
      if (source === 'DATABASE_URL') await pool.query('DELETE FROM stripe_events WHERE starts_with(id, $1)', [idPrefix]);
      await pool.end();
      await stop();
    },
  };
}

/** What the inbox holds for the ids starting with `prefix`. */
export interface Recorded {
  readonly ids: ReadonlySet<string>;
  /** Rows, and distinct ids among them: equal unless an event was stored twice. */
  readonly rows: number;
  readonly distinct: number;
  /** Rows whose stored payload's `id` is not the row's id (a body stored under the wrong event). */
  readonly mismatched: number;
}

export async function recorded(pool: pg.Pool, prefix: string): Promise<Recorded> {
  const ids = await pool.query<{ id: string }>('SELECT id FROM stripe_events WHERE starts_with(id, $1)', [prefix]);
  const counts = await pool.query<{ rows: string; distinct: string; mismatched: string }>(
    `SELECT count(*) AS rows, count(DISTINCT id) AS distinct, count(*) FILTER (WHERE payload->>'id' IS DISTINCT FROM id) AS mismatched
     FROM stripe_events WHERE starts_with(id, $1)`,
    [prefix],
  );
  const c = counts.rows[0];
  return { ids: new Set(ids.rows.map((r) => r.id)), rows: Number(c?.rows ?? 0), distinct: Number(c?.distinct ?? 0), mismatched: Number(c?.mismatched ?? 0) };
}
