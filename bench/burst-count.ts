import { databaseName } from '../fleet/names.js';
import { tenantFile } from '../fleet/paths.js';
import { MAIN } from '../fleet/repo/types.js';
import { docker } from '../test/hosts/index.js';
import { admin } from '../test/pg/database.js';
import type { PurchaseWorld } from './purchase-world.js';

/**
 * What exists after the burst, counted at the source rather than from the journal: tenants on
 * main, tenant databases on the server, and stacks whose container docker reports healthy on
 * some test host. A purchase is running when all three have it, and lost when main lacks it: its
 * webhook was answered 200 and no tenant came of it. (A run that hits its deadline has purchases
 * not running yet; they are not lost unless main lacks them.)
 */
export interface BurstCounts {
  readonly onMain: number;
  readonly databases: number;
  readonly healthyStacks: number;
  readonly notRunning: readonly string[];
  readonly lost: readonly string[];
}

export async function countRunning(pw: PurchaseWorld, slugs: readonly string[]): Promise<BurstCounts> {
  const repo = pw.world.repo.repo;
  const files = (await repo.read((await repo.head(MAIN)) ?? '')).files;
  const onMain = new Set(slugs.filter((s) => files.has(tenantFile(s))));
  const dbNames = new Map(slugs.map((s) => [databaseName(s), s]));
  const present = await admin(async (c) => (await c.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname = any($1)', [[...dbNames.keys()]])).rows);
  const databases = new Set(present.map((r) => dbNames.get(r.datname) ?? ''));
  const healthy = new Set<string>();
  for (const host of pw.world.hosts.values()) {
    const ps = await docker(host, ['ps', '--filter', 'label=com.docker.compose.project', '--format', '{{.Label "com.docker.compose.project"}}|{{.Status}}']);
    for (const line of ps.stdout.split('\n')) {
      const [project, status] = line.split('|');
      if (project?.startsWith('bf-') && status?.includes('(healthy)')) healthy.add(project.slice(3));
    }
  }
  const notRunning = slugs.filter((s) => !onMain.has(s) || !databases.has(s) || !healthy.has(s));
  const lost = slugs.filter((s) => !onMain.has(s));
  return { onMain: onMain.size, databases: databases.size, healthyStacks: slugs.filter((s) => healthy.has(s)).length, notRunning, lost };
}
