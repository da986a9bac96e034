import pg from 'pg';
import { databaseName } from '../../fleet/names.js';
import { docker, type TestHost } from '../hosts/index.js';
import { admin, adminUrl } from '../pg/database.js';
import { withDatabase } from '../../app/db/url.js';

export interface ContainerState {
  readonly service: string;
  readonly id: string;
  readonly running: boolean;
  readonly health: string;
}

/** The containers of a compose project on a test host, straight from its dockerd. */
export async function containers(host: TestHost, project: string): Promise<ContainerState[]> {
  const ids = (await docker(host, ['ps', '-aq', '--filter', `label=com.docker.compose.project=${project}`])).stdout.split('\n').filter(Boolean);
  if (ids.length === 0) return [];
  const out = (await docker(host, ['inspect', ...ids])).stdout;
  const parsed = JSON.parse(out) as { Id: string; State: { Running: boolean; Health?: { Status: string } }; Config: { Labels: Record<string, string> } }[];
  return parsed
    .map((c) => ({ service: c.Config.Labels['com.docker.compose.service'] ?? '?', id: c.Id, running: c.State.Running, health: c.State.Health?.Status ?? 'none' }))
    .sort((a, b) => (a.service < b.service ? -1 : 1));
}

/** What a service of the stack answers on its port, asked from inside the container. */
export async function httpGet(host: TestHost, containerId: string, port: number): Promise<string> {
  const r = await docker(host, ['exec', containerId, 'wget', '-qO-', `http://127.0.0.1:${port}/`]);
  if (r.exitCode !== 0) throw new Error(`wget in ${containerId.slice(0, 12)} failed: ${r.stderr}`);
  return r.stdout;
}

/** Tables of a tenant database, as the admin sees them; null when the database does not exist. */
export async function tenantTables(slug: string): Promise<string[] | null> {
  const name = databaseName(slug);
  const exists = await admin(async (c) => (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1);
  if (!exists) return null;
  const client = new pg.Client({ connectionString: withDatabase(adminUrl(), name) });
  await client.connect();
  try {
    const r = await client.query<{ tablename: string }>(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`);
    return r.rows.map((row) => row.tablename);
  } finally {
    await client.end();
  }
}

/** Drops what a world's reconciler made on the shared test server, so runs never see each other's. */
export async function dropTenantDatabases(slugs: readonly string[]): Promise<void> {
  await admin(async (c) => {
    for (const slug of slugs) {
      const name = databaseName(slug);
      await c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [name]);
      await c.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)}`);
      await c.query(`DROP ROLE IF EXISTS ${pg.escapeIdentifier(name)}`);
    }
  });
}
