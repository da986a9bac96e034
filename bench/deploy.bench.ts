import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DeployPhases } from './deploy-phases.js';
import { OVERHEAD_TARGET_MS, SCENARIOS } from './deploy-scenarios.js';
import { machine, resultsFile, runPurchaseChild, table } from './purchase-child.js';
import { flag } from './flags.js';

/**
 * `npm run bench:deploy`: from a signed checkout.session.completed reaching /webhooks/stripe of
 * an in-process control plane (every role on) to the reference bot answering /start, on real
 * test hosts behind the fake DigitalOcean, per scenario (bench/deploy-scenarios.ts), each in a
 * child process of its own (bench/deploy-run.e2e.ts, under vitest for the e2e harness). Needs
 * root, ip, sshd and dockerd, as the e2e tests do. `--scenarios shared,dedicated` runs some;
 * `--runs N` (default 3) runs each N times, one after another, and reports the run with the
 * median overhead, with the range: on this machine one run moves by up to a second.
 */

const here = dirname(fileURLToPath(import.meta.url));

interface ScenarioResult {
  readonly scenario: string;
  readonly placement: string;
  readonly bootDelayMs: number;
  readonly warmupMs: number;
  readonly reply: string;
  readonly phases: DeployPhases;
}

type RunResult = ScenarioResult & { loadAverage1m: { before: number; after: number } };

async function main(): Promise<void> {
  const wanted = flag('--scenarios')?.split(',');
  const runs = Number(flag('--runs') ?? 3);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive whole number, not ${flag('--runs') ?? ''}`);
  const unknown = wanted?.filter((id) => !SCENARIOS.some((s) => s.id === id)) ?? [];
  if (unknown.length > 0) throw new Error(`--scenarios: no scenario ${unknown.join(', ')}; the scenarios are ${SCENARIOS.map((s) => s.id).join(', ')}`);
  const scenarios = SCENARIOS.filter((s) => wanted === undefined || wanted.includes(s.id));
  const results: { scenario: string; median: RunResult; overheadMet: boolean; totalMet: boolean | null; overheadRange: [number, number]; totalRange: [number, number]; runs: RunResult[] }[] = [];
  for (const s of scenarios) {
    const all: RunResult[] = [];
    for (let i = 0; i < runs; i++) {
      // The machine is shared: the 1-minute load average around each run goes with its figures.
      const before = loadavg()[0] ?? 0;
      const r = (await runPurchaseChild('bench/deploy-run.e2e.ts', { BENCH_SCENARIO: s.id })) as ScenarioResult;
      all.push({ ...r, loadAverage1m: { before, after: loadavg()[0] ?? 0 } });
    }
    const byOverhead = [...all].sort((a, b) => a.phases.overhead - b.phases.overhead);
    const median = byOverhead[Math.floor((byOverhead.length - 1) / 2)] ?? all[0]!;
    const range = (pick: (r: RunResult) => number): [number, number] => [Math.min(...all.map(pick)), Math.max(...all.map(pick))];
    results.push({
      scenario: s.id,
      median,
      overheadMet: median.phases.overhead < OVERHEAD_TARGET_MS,
      totalMet: s.totalTargetMs === null ? null : median.phases.total < s.totalTargetMs,
      overheadRange: range((r) => r.phases.overhead),
      totalRange: range((r) => r.phases.total),
      runs: all,
    });
  }
  const cols: readonly (keyof DeployPhases)[] = ['webhook', 'commit', 'plan', 'droplet', 'boot', 'database', 'composeUp', 'healthy', 'answer', 'gaps', 'total', 'overhead'];
  const rows = results.map((r) => {
    const s = SCENARIOS.find((x) => x.id === r.scenario);
    const target = `overhead < 2 s: ${r.overheadMet ? 'yes' : 'NO'}${s?.totalTargetMs ? `; total < ${s.totalTargetMs / 1000} s: ${r.totalMet ? 'yes' : 'NO'}` : ''}`;
    const span = ([lo, hi]: [number, number]) => `${Math.round(lo)}–${Math.round(hi)}`;
    return [s?.title ?? r.scenario, ...cols.map((c) => String(Math.round(r.median.phases[c]))), span(r.overheadRange), span(r.totalRange), target];
  });
  console.log(`Each scenario ${runs} time(s); the run with the median overhead, and the range over all runs.`);
  console.log(table(['scenario (ms)', ...cols.map((c) => (c === 'composeUp' ? 'compose up' : c)), 'overhead range', 'total range', 'target met?'], rows));
  const file = resultsFile(join(here, 'results'), 'deploy');
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify({ date: new Date().toISOString(), machine: machine(), trigger: 'push webhook (GitHub mode), delivered when main moves', targets: { overheadMs: OVERHEAD_TARGET_MS }, runs, results }, null, 2)}\n`);
  console.log(`\nJSON: ${file}`);
}

await main();
