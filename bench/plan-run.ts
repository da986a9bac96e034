import { performance } from 'node:perf_hooks';
import { ManifestCache } from '../fleet/load/cache.js';
import { formatIssue } from '../fleet/load/index.js';
import { loadTree } from '../fleet/load/load-tree.js';
import { LocalFleetRepo } from '../fleet/repo/local/index.js';
import type { Fleet } from '../fleet/model.js';
import type { ObserveDeps } from '../reconciler/observe.js';
import { desiredState } from '../reconciler/desired.js';
import { observe } from '../reconciler/observe.js';
import { plan } from '../reconciler/plan.js';
import { benchModules, converged } from './fakes.js';
import { BENCH_NOW } from './fleet-generator.js';

/**
 * No-op reconcile plans over a generated fleet repo, in a process of its own so that its peak RSS
 * is its own: the steps of `reconcilePass` with `dryRun` (reconciler/reconcile.ts), timed one by
 * one, twice. The COLD pass is the first in a fresh process (every manifest read and validated);
 * the WARM pass is the next one in the same process with nothing changed (the reconciler loop's
 * usual pass: main did not move, so its load is the last one); the CHANGED pass follows a commit
 * of one file (one `ls-tree`, one blob read, every other manifest answered by the cache).
 * Prints one JSON line. Usage: tsx bench/plan-run.ts <bare fleet repo>
 */

export interface PassResult {
  /** Opening the repo (cold pass only), main's head, `ls-tree`. */
  readonly listMs: number;
  /** Reading the blobs the cache lacks and validating them: each batch while git reads the next. */
  readonly readMs: number;
  /** Of `readMs`, validating (the rest is waiting for git). */
  readonly checkMs: number;
  /** The cache's answers put together: cached manifests, the cross-file rules, the Fleet's maps. */
  readonly assembleMs: number;
  readonly loadMs: number;
  readonly observeMs: number;
  readonly desiredMs: number;
  readonly planOnlyMs: number;
  /** desiredState + plan: the pure part of the pass. */
  readonly planMs: number;
  readonly totalMs: number;
  /**
   * CPU time of this process (user + system) over the same timed steps, git processes excluded:
   * on a shared machine wall time also counts the waits for a core, this does not.
   */
  readonly cpuMs: number;
  /** Manifests validated from text / taken from the cache / blobs read from git. */
  readonly validated: number;
  readonly reused: number;
  readonly blobsRead: number;
  readonly actions: number;
  readonly problems: number;
  readonly rssAfterLoadMb: number;
  /** The process's high-water mark when the pass ended (it includes every earlier pass). */
  readonly peakRssMb: number;
}

export interface PlanRunResult {
  readonly tenants: number;
  readonly cold: PassResult;
  readonly warm: PassResult;
  /** The pass after a one-file commit that changes nothing in the world. */
  readonly changed: PassResult;
}

const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
const round = (ms: number) => Math.round(ms * 10) / 10;
const settings = { networkMode: 'bridge' } as const;

type World = (desired: () => Promise<Parameters<typeof converged>[0]>) => Promise<ObserveDeps>;

async function pass(repo: LocalFleetRepo, cache: ManifestCache, world: World, opened: number, at?: string): Promise<PassResult & { tenants: number }> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const revision = at ?? (await repo.head('main'));
  if (revision === null) throw new Error(`${repo.gitDir} has no main`);
  const { result: loaded, stats } = await loadTree(cache, repo, revision);
  if (!loaded.ok) throw new Error(`the generated fleet does not validate:\n${loaded.issues.slice(0, 10).map(formatIssue).join('\n')}`);
  const fleet = loaded.fleet;
  const t2 = performance.now();
  const loadCpu = process.cpuUsage(c0);
  const rssAfterLoad = process.memoryUsage().rss;
  // The world, outside the timings: what the fakes report was put there before the pass began.
  // Built once, in the first pass: a desired state computed only to be dropped would count in
  // the next pass's peak RSS. Built from unfrozen copies of the tenant manifests, which
  // desiredState does not keep services for: the timed cold pass must build them all itself,
  // as a process's first pass does.
  const deps = await world(async () => desiredState(unkept(fleet), await benchModules.runtimes(fleet), BENCH_NOW, settings));

  const t3 = performance.now();
  const c3 = process.cpuUsage();
  const observed = await observe(deps, fleet.config.name);
  const t4 = performance.now();
  const desired = desiredState(fleet, await benchModules.runtimes(fleet), BENCH_NOW, settings);
  const t5 = performance.now();
  const result = plan(desired, observed, { pruneLimit: 10 });
  const t6 = performance.now();
  const restCpu = process.cpuUsage(c3);
  if (result.actions.length > 0 || result.problems.size > 0) {
    const first = result.actions.slice(0, 5).map((a) => `${a.id}`);
    throw new Error(`the plan is not empty: ${result.actions.length} actions (${first.join(', ')}), problems ${JSON.stringify([...result.problems].slice(0, 5))}`);
  }
  const loadMs = opened + (t2 - t0);
  const observeMs = t4 - t3;
  const planMs = t6 - t4;
  return {
    tenants: fleet.tenants.size,
    listMs: round(loadMs - stats.readMs - stats.assembleMs),
    readMs: round(stats.readMs),
    checkMs: round(stats.checkMs),
    assembleMs: round(stats.assembleMs),
    loadMs: round(loadMs),
    observeMs: round(observeMs),
    desiredMs: round(t5 - t4),
    planOnlyMs: round(t6 - t5),
    planMs: round(planMs),
    totalMs: round(loadMs + observeMs + planMs),
    cpuMs: round((loadCpu.user + loadCpu.system + restCpu.user + restCpu.system) / 1000),
    validated: stats.validated,
    reused: stats.reused,
    blobsRead: stats.read,
    actions: result.actions.length,
    problems: result.problems.size,
    rssAfterLoadMb: mb(rssAfterLoad),
    // resourceUsage().maxRSS is in kilobytes: the process's high-water mark, not a sample.
    peakRssMb: mb(process.resourceUsage().maxRSS * 1024),
  };
}

/** The fleet with each tenant.yaml value copied (unfrozen): the same desired state, nothing kept. */
function unkept(fleet: Fleet): Fleet {
  return { ...fleet, tenants: new Map([...fleet.tenants].map(([slug, r]) => [slug, { ...r, tenant: { ...r.tenant } }])) };
}

async function main(gitDir: string): Promise<PlanRunResult> {
  const t0 = performance.now();
  const repo = await LocalFleetRepo.open(gitDir);
  const opened = performance.now() - t0;
  const cache = new ManifestCache();
  // One converged world for both passes, built after the cold load (as before: outside the clock).
  let built: ObserveDeps | null = null;
  const world: World = async (desired) => (built ??= converged(await desired()));
  const { tenants, ...cold } = await pass(repo, cache, world, opened);
  const { tenants: again, ...warm } = await pass(repo, cache, world, 0);
  if (again !== tenants) throw new Error(`the warm pass saw ${again} tenants, the cold one ${tenants}`);
  // A merge of one file that changes nothing in the world (a shared host's capacity), on a side
  // branch so the repo stays as generated for the next run: the pass after it reads that blob
  // and takes the rest from the cache.
  const changedAt = await commitOneFile(repo);
  const { tenants: after, ...changed } = await pass(repo, cache, world, 0, changedAt);
  if (after !== tenants) throw new Error(`the pass after a one-file commit saw ${after} tenants, the cold one ${tenants}`);
  return { tenants, cold, warm, changed };
}

async function commitOneFile(repo: LocalFleetRepo): Promise<string> {
  const head = await repo.head('main');
  if (head === null) throw new Error(`${repo.gitDir} has no main`);
  const host = (await repo.listTree(head)).blobs.find((b) => /^hosts\/[^/]+\.yaml$/.test(b.path));
  if (!host) throw new Error('the generated fleet has no host file');
  const text = (await repo.readBlobs([host.sha])).get(host.sha) ?? '';
  const content = text.replace(/^capacity: (\d+)$/m, (_, n: string) => `capacity: ${Number(n) + 1}`);
  if (content === text) throw new Error(`${host.path} has no capacity line`);
  return repo.commit({ branch: `bench-one-file-${process.pid}`, parent: head, edits: [{ path: host.path, content }], message: 'capacity + 1\n', expect: 'absent' });
}

const gitDir = process.argv[2];
if (!gitDir) {
  process.stderr.write('usage: tsx bench/plan-run.ts <bare fleet repo>\n');
  process.exit(2);
}
main(gitDir).then(
  (r) => process.stdout.write(`${JSON.stringify(r)}\n`),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
