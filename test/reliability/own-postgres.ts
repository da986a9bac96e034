import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EmbeddedServer, freePort, startEmbeddedPostgres } from '../../app/db/embedded.js';
import { Secret } from '../../fleet/secret.js';
import { TEST_HOSTS_SUBNET } from '../pg/global-setup.js';

/**
 * A PostgreSQL server of one test file's own, which it may stop and start: restarting the run's
 * shared server (test/pg) would cut off every test running beside this one. Same port, password
 * and data across restarts, as a production server restarting under buckfleet would keep them.
 */
export interface OwnPostgres {
  /** The superuser's URL (a password in it: test-only). */
  readonly url: string;
  /** Stops the server (fast shutdown: every session is ended); resolves once it has exited. */
  stop(): Promise<void>;
  /** Starts it again on the same data directory and port. */
  start(): Promise<void>;
  /** Stops it if running and deletes its data. */
  close(): Promise<void>;
}

export async function startOwnPostgres(): Promise<OwnPostgres> {
  const root = await mkdtemp(join(tmpdir(), 'bf-own-pg-'));
  // mkdtemp makes the folder 0700; the server runs as `postgres` and must enter it.
  await chmod(root, 0o755);
  const options = {
    dataDir: join(root, 'data'),
    port: await freePort(),
    password: new Secret(randomBytes(18).toString('base64url')),
    // Every address, and the test hosts' subnet let in, as the shared test server does.
    listen: '*',
    allow: ['127.0.0.1/32', TEST_HOSTS_SUBNET],
    persistent: true,
  };
  let server: EmbeddedServer | null = await startEmbeddedPostgres(options);
  const url = server.url.reveal();
  const stop = async () => {
    const running = server;
    server = null;
    await running?.stop();
  };
  return {
    url,
    stop,
    async start() {
      if (server !== null) throw new Error('own PostgreSQL: already running');
      server = await startEmbeddedPostgres(options);
    },
    async close() {
      await stop();
      await rm(root, { recursive: true, force: true });
    },
  };
}
