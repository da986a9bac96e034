import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DeployPhases } from './deploy-phases.js';
import { OVERHEAD_TARGET_MS, SCENARIOS } from './deploy-scenarios.js';
import { machine, resultsFile, runPurchaseChild, table } from './purchase-child.js';

/**
 * `npm run bench:deploy`: from a signed checkout.session.completed reaching /webhooks/stripe of
 * an in-process control plane (every role on) to the reference bot answering /start, on real
 * test hosts behind the fake DigitalOcean, per scenario (bench/deploy-scenarios.ts), each in a
 * child process of its own (bench/deploy-run.e2e.ts, under vitest for the e2e harness). Needs
 * root, ip, sshd and dockerd, as the e2e tests do. `--scenarios shared,dedicated` runs some.
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

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i < 0 ? undefined : process.argv[i + 1];
}

async function main(): Promise<void> {
  const wanted = flag('--scenarios')?.split(',');
  const scenarios = SCENARIOS.filter((s) => wanted === undefined || wanted.includes(s.id));
  const results: (ScenarioResult & { loadAverage1m: { before: number; after: number }; overheadMet: boolean; totalMet: boolean | null })[] = [];
  for (const s of scenarios) {
    // The machine is shared: the 1-minute load average around each scenario goes with its figures.
    const before = loadavg()[0] ?? 0;
    const r = (await runPurchaseChild('bench/deploy-run.e2e.ts', { BENCH_SCENARIO: s.id })) as ScenarioResult;
    results.push({ ...r, loadAverage1m: { before, after: loadavg()[0] ?? 0 }, overheadMet: r.phases.overhead < OVERHEAD_TARGET_MS, totalMet: s.totalTargetMs === null ? null : r.phases.total < s.totalTargetMs });
  }
  const cols: readonly (keyof DeployPhases)[] = ['webhook', 'commit', 'plan', 'droplet', 'boot', 'database', 'composeUp', 'healthy', 'answer', 'gaps', 'total', 'overhead'];
  const rows = results.map((r) => {
    const s = SCENARIOS.find((x) => x.id === r.scenario);
    const target = `overhead < 2 s: ${r.overheadMet ? 'yes' : 'NO'}${s?.totalTargetMs ? `; total < ${s.totalTargetMs / 1000} s: ${r.totalMet ? 'yes' : 'NO'}` : ''}`;
    return [s?.title ?? r.scenario, ...cols.map((c) => String(Math.round(r.phases[c]))), target];
  });
  console.log(table(['scenario (ms)', ...cols.map((c) => (c === 'composeUp' ? 'compose up' : c)), 'target met?'], rows));
  const file = resultsFile(join(here, 'results'), 'deploy');
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify({ date: new Date().toISOString(), machine: machine(), trigger: 'push webhook (GitHub mode), delivered when main moves', targets: { overheadMs: OVERHEAD_TARGET_MS }, results }, null, 2)}\n`);
  console.log(`\nJSON: ${file}`);
}

await main();
