import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { generateFleet, writeFleetRepo } from './fleet-generator.js';
import type { PassResult, PlanRunResult } from './plan-run.js';
import { flag } from './flags.js';

/**
 * `npm run bench`: a no-op reconcile plan (load + validate the fleet repo, observe through fakes
 * that report the world as desired, plan: 0 actions) at 1k and 10k tenants, each run in a child
 * process of its own (its peak RSS is its own), a cold pass then a warm one. Flags: --full adds 100k; --runs N (default 3,
 * the median by total is reported); --sizes 1000,5000 for other sizes.
 */

const here = dirname(fileURLToPath(import.meta.url));
const run = promisify(execFile);
const TARGET_MS = 2000;
const TARGET_MB = 300;

const sizes = flag('--sizes')?.split(',').map(Number) ?? (process.argv.includes('--full') ? [1_000, 10_000, 100_000] : [1_000, 10_000]);
const runs = Number(flag('--runs') ?? 3);

type PassName = 'cold' | 'warm' | 'changed';

interface SizeResult extends PassResult {
  readonly tenants: number;
  readonly pass: PassName;
  readonly generateMs: number;
  readonly repoWriteMs: number;
  readonly runs: number;
  readonly perTenantUs: number;
  readonly allTotalsMs: readonly number[];
}

/**
 * plan-run compiled to plain JavaScript, as production runs (`npm run build`, then node on
 * dist/): under tsx, its loader keeps every module's transpiled text and source map and hooks
 * every import, ~40 MB of RSS that no deployed control plane has. Dependencies stay external,
 * so the bundle sits in bench/ to find node_modules.
 */
async function compilePlanRun(): Promise<string> {
  const outfile = join(here, '.build', 'plan-run.mjs');
  await build({ entryPoints: [join(here, 'plan-run.ts')], bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', outfile, logLevel: 'warning' });
  return outfile;
}

async function measure(n: number, root: string, compiled: string): Promise<SizeResult[]> {
  const t0 = performance.now();
  const { files } = generateFleet({ tenants: n, seed: 1 });
  const t1 = performance.now();
  const gitDir = join(root, `fleet-${n}.git`);
  await writeFleetRepo(gitDir, files);
  const t2 = performance.now();
  const results: PlanRunResult[] = [];
  for (let i = 0; i < runs; i++) {
    const { stdout } = await run(process.execPath, [compiled, gitDir], {
      maxBuffer: 1024 * 1024,
      env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' },
    });
    results.push(JSON.parse(stdout.trim().split('\n').pop() ?? '') as PlanRunResult);
  }
  // Each pass its own median run by total; peak RSS the largest of the runs at the end of that pass.
  return (['cold', 'warm', 'changed'] as const).map((pass) => {
    const passes = results.map((r) => r[pass]);
    const median = [...passes].sort((a, b) => a.totalMs - b.totalMs)[Math.floor(passes.length / 2)]!;
    return {
      ...median,
      tenants: results[0]!.tenants,
      pass,
      peakRssMb: Math.max(...passes.map((r) => r.peakRssMb)),
      generateMs: Math.round(t1 - t0),
      repoWriteMs: Math.round(t2 - t1),
      runs,
      perTenantUs: Math.round((median.totalMs * 1000) / n),
      allTotalsMs: passes.map((r) => r.totalMs),
    };
  });
}

function table(rows: readonly SizeResult[]): string {
  const head = ['N', 'pass', 'load ms', 'observe ms', 'plan ms', 'total ms', 'CPU ms', 'peak RSS MB', 'per-tenant µs'];
  const body = rows.map((r) => [r.tenants, r.pass, r.loadMs, r.observeMs, r.planMs, r.totalMs, r.cpuMs, r.peakRssMb, r.perTenantUs].map(String));
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padStart(widths[i]!)).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 1) + ':').join('|')}|`, ...body.map(line)].join('\n');
}

/** The issue's targets and linearity, for one kind of pass. */
function verdictsOf(rows: readonly SizeResult[], pass: PassName): Record<string, boolean | number> {
  const verdicts: Record<string, boolean | number> = {};
  const small = rows.find((r) => r.tenants === 1_000 && r.pass === pass);
  const big = rows.find((r) => r.tenants === 10_000 && r.pass === pass);
  if (big) {
    verdicts.time10kUnder2s = big.totalMs < TARGET_MS;
    verdicts.rss10kUnder300MB = big.peakRssMb < TARGET_MB;
    console.log(`${pass}: 10k tenants under ${TARGET_MS} ms: ${verdicts.time10kUnder2s ? 'HOLDS' : 'FAILS'} (${big.totalMs} ms)`);
    console.log(`${pass}: 10k tenants under ${TARGET_MB} MB: ${verdicts.rss10kUnder300MB ? 'HOLDS' : 'FAILS'} (${big.peakRssMb} MB)`);
  }
  if (small && big) Object.assign(verdicts, linearity(small, big, pass, { ratio: 'ratio10kTo1k', linear: 'linear', phase: 'ratio_' }));
  // With --full: the same from 10k to 100k, where a queue or a sort that is worse than linear shows.
  const huge = rows.find((r) => r.tenants === 100_000 && r.pass === pass);
  if (big && huge) Object.assign(verdicts, linearity(big, huge, pass, { ratio: 'ratio100kTo10k', linear: 'linear100k', phase: 'ratio100k_' }));
  return verdicts;
}

/** Linear: 10x the tenants costs about 10x the time (start-up costs make it less; above 12, worse than linear). */
function linearity(
  small: SizeResult,
  big: SizeResult,
  pass: PassName,
  keys: { readonly ratio: string; readonly linear: string; readonly phase: string },
): Record<string, boolean | number> {
  const out: Record<string, boolean | number> = {};
  const ratio = Math.round((big.totalMs / small.totalMs) * 100) / 100;
  out[keys.ratio] = ratio;
  out[keys.linear] = ratio <= 12;
  const name = (n: number) => `${n / 1000}k`;
  console.log(`${pass}: time(${name(big.tenants)})/time(${name(small.tenants)}) = ${ratio} (linear is about 10): ${ratio <= 12 ? 'HOLDS' : 'FAILS'}`);
  // The whole can look linear while one phase is not: each phase's own ratio.
  const phases = ['listMs', 'readMs', 'assembleMs', 'observeMs', 'desiredMs', 'planOnlyMs'] as const;
  for (const p of phases) out[`${keys.phase}${p}`] = Math.round((big[p] / Math.max(small[p], 0.1)) * 10) / 10;
  console.log(`  by phase: ${phases.map((p) => `${p.replace(/Ms$/, '')} ${String(out[`${keys.phase}${p}`])}`).join(', ')} (above 12: worse than linear)`);
  return out;
}

async function main(): Promise<void> {
  // The machine is shared: how busy it was says how much of the wall time was waiting for a core.
  const loadBefore = loadavg()[0] ?? 0;
  const root = await mkdtemp(join(tmpdir(), 'buckfleet-bench-'));
  const rows: SizeResult[] = [];
  const compiled = await compilePlanRun();
  try {
    for (const n of sizes) {
      process.stderr.write(`plan: ${n} tenants (${runs} runs)...\n`);
      rows.push(...(await measure(n, root, compiled)));
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
  console.log(table(rows));
  console.log('\ncold: first pass in a fresh process; warm: the next pass in the same process, nothing changed; changed: the pass after a one-file commit.');
  console.log('load = list + read and validate + assemble; plan = desiredState + plan; each figure the median run by total, peak RSS the largest of the runs.');
  for (const r of rows) {
    console.log(
      `  ${r.tenants} ${r.pass}: list ${r.listMs} ms, read + validate ${r.readMs} ms (${r.blobsRead} blobs, ${r.validated} validated: ${r.checkMs} ms of it), assemble ${r.assembleMs} ms (${r.reused} cached), desired ${r.desiredMs} ms, plan ${r.planOnlyMs} ms; totals ${r.allTotalsMs.join(' / ')} ms`,
    );
  }
  console.log('');
  const verdicts = { cold: verdictsOf(rows, 'cold'), warm: verdictsOf(rows, 'warm'), changed: verdictsOf(rows, 'changed') };
  const date = new Date().toISOString().slice(0, 10);
  const out = join(here, 'results', `plan-${date}.json`);
  await mkdir(dirname(out), { recursive: true });
  const machine = { cpus: availableParallelism(), cpuModel: cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, platform: `${process.platform}-${process.arch}`, loadAverage1m: { before: loadBefore, after: loadavg()[0] ?? 0 } };
  console.log(`load average (1 min) ${machine.loadAverage1m.before.toFixed(1)} before, ${machine.loadAverage1m.after.toFixed(1)} after, on ${machine.cpus} cores`);
  await writeFile(out, `${JSON.stringify({ benchmark: 'plan', date: new Date().toISOString(), machine, targets: { totalMs: TARGET_MS, peakRssMb: TARGET_MB }, verdicts, results: rows }, null, 2)}\n`);
  console.log(`\nwrote ${out}`);
}

await main();
