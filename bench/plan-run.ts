import { performance } from 'node:perf_hooks';
import { formatIssue, loadFleet } from '../fleet/load/index.js';
import { LocalFleetRepo } from '../fleet/repo/local/index.js';
import { desiredState } from '../reconciler/desired.js';
import { observe } from '../reconciler/observe.js';
import { plan } from '../reconciler/plan.js';
import { benchModules, converged } from './fakes.js';
import { BENCH_NOW } from './fleet-generator.js';

/**
 * One no-op reconcile plan over a generated fleet repo, in a process of its own so that its peak
 * RSS is its own: the steps of `reconcilePass` with `dryRun` (reconciler/reconcile.ts), timed one
 * by one. Prints one JSON line. Usage: tsx bench/plan-run.ts <bare fleet repo>
 */

export interface PlanRunResult {
  readonly tenants: number;
  readonly gitReadMs: number;
  readonly validateMs: number;
  readonly loadMs: number;
  readonly observeMs: number;
  readonly desiredMs: number;
  readonly planOnlyMs: number;
  /** desiredState + plan: the pure part of the pass. */
  readonly planMs: number;
  readonly totalMs: number;
  readonly actions: number;
  readonly problems: number;
  readonly rssAfterLoadMb: number;
  readonly peakRssMb: number;
}

const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
const round = (ms: number) => Math.round(ms * 10) / 10;

async function main(gitDir: string): Promise<PlanRunResult> {
  const t0 = performance.now();
  const repo = await LocalFleetRepo.open(gitDir);
  const revision = await repo.head('main');
  if (revision === null) throw new Error(`${gitDir} has no main`);
  const snapshot = await repo.read(revision);
  const t1 = performance.now();
  const loaded = loadFleet(snapshot);
  if (!loaded.ok) throw new Error(`the generated fleet does not validate:\n${loaded.issues.slice(0, 10).map(formatIssue).join('\n')}`);
  const fleet = loaded.fleet;
  const t2 = performance.now();
  const rssAfterLoad = process.memoryUsage().rss;

  // The world, outside the timings: what the fakes report was put there before the pass began.
  const settings = { networkMode: 'bridge' } as const;
  const deps = converged(desiredState(fleet, await benchModules.runtimes(fleet), BENCH_NOW, settings));

  const t3 = performance.now();
  const observed = await observe(deps, fleet.config.name);
  const t4 = performance.now();
  const desired = desiredState(fleet, await benchModules.runtimes(fleet), BENCH_NOW, settings);
  const t5 = performance.now();
  const result = plan(desired, observed, { pruneLimit: 10 });
  const t6 = performance.now();
  if (result.actions.length > 0 || result.problems.size > 0) {
    const first = result.actions.slice(0, 5).map((a) => `${a.id}`);
    throw new Error(`the plan is not empty: ${result.actions.length} actions (${first.join(', ')}), problems ${JSON.stringify([...result.problems].slice(0, 5))}`);
  }
  const loadMs = t2 - t0;
  const observeMs = t4 - t3;
  const planMs = t6 - t4;
  return {
    tenants: fleet.tenants.size,
    gitReadMs: round(t1 - t0),
    validateMs: round(t2 - t1),
    loadMs: round(loadMs),
    observeMs: round(observeMs),
    desiredMs: round(t5 - t4),
    planOnlyMs: round(t6 - t5),
    planMs: round(planMs),
    totalMs: round(loadMs + observeMs + planMs),
    actions: result.actions.length,
    problems: result.problems.size,
    rssAfterLoadMb: mb(rssAfterLoad),
    // resourceUsage().maxRSS is in kilobytes: the process's high-water mark, not a sample.
    peakRssMb: mb(process.resourceUsage().maxRSS * 1024),
  };
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
