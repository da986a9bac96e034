import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres, type EmbeddedServer } from '../../app/db/embedded.js';
import { Secret } from '../../fleet/secret.js';
import './context.js';

/**
 * vitest globalSetup: one PostgreSQL server for the whole run. `DATABASE_URL` when the
 * environment sets it (a role that may CREATE DATABASE and CREATE ROLE); otherwise an embedded
 * server started here and stopped in teardown, by its PID.
 *
 * The embedded server listens on every address, and pg_hba.conf lets in only 127.0.0.1 and
 * 10.231.0.0/16 — the subnet of the test hosts' network namespaces, so that a tenant stack in
 * a test host reaches its database as a droplet would — always with scram-sha-256. Its data
 * lives under the OS temp folder, which the `postgres` user can enter (not under /root), and
 * is deleted on stop.
 */

/** The test hosts' subnet (network namespaces made by the host-runtime tests). */
export const TEST_HOSTS_SUBNET = '10.231.0.0/16';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const configured = process.env.DATABASE_URL;
  if (configured !== undefined && configured !== '') {
    project.provide('pgAdminUrl', configured);
    return () => Promise.resolve();
  }
  const started = Date.now();
  const root = await mkdtemp(join(tmpdir(), 'buckfleet-pg-'));
  // mkdtemp makes the folder 0700; the server runs as `postgres` and must enter it.
  await chmod(root, 0o755);
  let server: EmbeddedServer;
  try {
    server = await startEmbeddedPostgres({
      dataDir: join(root, 'data'),
      port: 0,
      password: new Secret(randomBytes(18).toString('base64url')),
      listen: '*',
      allow: ['127.0.0.1/32', TEST_HOSTS_SUBNET],
      persistent: false,
    });
  } catch (error) {
    await rm(root, { recursive: true, force: true });
    throw error;
  }
  if (process.env.BUCKFLEET_TEST_PG_VERBOSE) console.info(`test PostgreSQL: PID ${server.pid}, port ${server.port}, up in ${Date.now() - started} ms`);
  project.provide('pgAdminUrl', server.url.reveal());
  return async () => {
    await server.stop();
    await rm(root, { recursive: true, force: true });
  };
}
