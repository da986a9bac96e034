import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import pg from 'pg';
import type { Log } from '../../fleet/log.js';
import { silentLog } from '../../fleet/log.js';
import { Secret } from '../../fleet/secret.js';
import type { Config } from '../config.js';
import { startEmbeddedPostgres } from './embedded.js';
import { connectionError } from './errors.js';
import { describeUrl } from './url.js';

/** The control database, open: a pg Pool (which fits `Db` and `TxPool`) and how to close it. */
export interface ControlDb {
  readonly pool: pg.Pool;
  /** Where it is; a Secret because it holds the password (for `migrate`). */
  readonly url: Secret;
  /** `postgres://user@host:port/db`, for logs. */
  readonly description: string;
  /** Ends the pool, then stops the embedded server if this process started one. */
  close(): Promise<void>;
}

/**
 * Opens the control database of `config.database`: DATABASE_URL, or in local mode an embedded
 * PostgreSQL under `<BUCKFLEET_HOME>/postgres` that this process starts (on a free port, on
 * 127.0.0.1 only) and stops on `close()`. Its superuser password is generated once and kept in
 * `<BUCKFLEET_HOME>/postgres.password` (mode 0600), beside the other local keys. When running
 * as root, BUCKFLEET_HOME must be outside /root: the server runs as the `postgres` user, which
 * cannot enter /root (`EmbeddedPostgresError` says so and what to set).
 *
 * One connection is made before returning, so a wrong URL or password fails here, classified
 * (`ControlDbUnreachableError`, `ControlDbRefusedError`), with the password never in the message.
 */
export async function openControlDb(config: Pick<Config, 'database' | 'home'>, opts: { log?: Log; cwd?: string } = {}): Promise<ControlDb> {
  const log = opts.log ?? silentLog;
  if (config.database.kind === 'url') return openPool(config.database.url, log, () => Promise.resolve());
  const home = resolve(opts.cwd ?? process.cwd(), config.home);
  await mkdir(home, { recursive: true });
  const server = await startEmbeddedPostgres({
    dataDir: join(home, 'postgres'),
    port: 0,
    password: await localPassword(join(home, 'postgres.password')),
    listen: '127.0.0.1',
    allow: ['127.0.0.1/32'],
    persistent: true,
  });
  log.info({ pid: server.pid, port: server.port }, 'embedded PostgreSQL started');
  try {
    return await openPool(server.url, log, () => server.stop());
  } catch (error) {
    await server.stop();
    throw error;
  }
}

async function openPool(url: Secret, log: Log, stopServer: () => Promise<void>): Promise<ControlDb> {
  const description = describeUrl(url.reveal());
  const pool = new pg.Pool({ connectionString: url.reveal() });
  // Idle connections that die (server restart, network) are dropped by the pool; it reports
  // them here, and an unhandled 'error' event would end the process.
  pool.on('error', (error) => log.warn({ database: description, code: 'code' in error ? error.code : undefined }, `idle control database connection lost: ${error.message}`));
  try {
    const client = await pool.connect();
    client.release();
  } catch (error) {
    await pool.end();
    throw connectionError(url.reveal(), error);
  }
  return {
    pool,
    url,
    description,
    close: async () => {
      await pool.end();
      await stopServer();
    },
  };
}

/** The embedded superuser's password: made once, then read back (initdb stored it). */
async function localPassword(file: string): Promise<Secret> {
  try {
    return new Secret((await readFile(file, 'utf8')).trim());
  } catch (error) {
    if (!(error instanceof Error && 'code' in error && error.code === 'ENOENT')) throw error;
  }
  const password = randomBytes(24).toString('base64url');
  await writeFile(file, `${password}\n`, { mode: 0o600, flag: 'wx' });
  return new Secret(password);
}
