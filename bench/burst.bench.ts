import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BurstCounts } from './burst-count.js';
import { machine, resultsFile, runPurchaseChild, table } from './purchase-child.js';
import { flag } from './flags.js';

/**
 * `npm run bench:burst`: BENCH_N (default 100, `--n 40` for fewer) purchases in the same second,
 * every signed checkout.session.completed POSTed at once to an in-process control plane (every
 * role on), all tenants on shared test hosts (10 by default, `--hosts`), followed until every
 * stack is healthy; none may be lost. Compared with one purchase's time × N / the reconciler's
 * tenant concurrency. Runs in a child (bench/burst-run.e2e.ts, under vitest for the e2e harness);
 * needs root, ip, sshd and dockerd, as the e2e tests do.
 */

const here = dirname(fileURLToPath(import.meta.url));

type Spread = { p50: number; p95: number; max: number };
interface BurstResult {
  readonly n: number;
  readonly hosts: number;
  readonly concurrency: { global: number; perHost: number };
  readonly effectiveConcurrency: number;
  readonly warmupMs: number;
  readonly single: { ms: number; webhookMs: number };
  readonly webhook: Spread & { non200: number; allAnsweredMs: number };
  readonly commit: Spread;
  readonly planned: Spread;
  readonly running: Spread;
  readonly totalMs: number;
  readonly counts: BurstCounts;
  readonly notRunning: readonly string[];
}

async function main(): Promise<void> {
  const n = flag('--n') ?? process.env.BENCH_N ?? '100';
  const hosts = flag('--hosts') ?? '10';
  const load = { before: loadavg()[0] ?? 0, after: 0 };
  const r = (await runPurchaseChild('bench/burst-run.e2e.ts', { BENCH_N: n, BENCH_HOSTS: hosts })) as BurstResult;
  load.after = loadavg()[0] ?? 0;
  const expectedMs = (r.single.ms * r.n) / r.effectiveConcurrency;
  const lost = r.counts.lost.length;
  const notRunning = r.counts.notRunning.length;
  const s = (x: number) => (x / 1000).toFixed(1);
  const spread = (x: Spread) => `${s(x.p50)} / ${s(x.p95)} / ${s(x.max)}`;
  console.log(
    table(
      ['burst', 'value'],
      [
        ['purchases at once', String(r.n)],
        ['shared hosts', String(r.hosts)],
        ['tenant concurrency (global, per host → effective)', `${r.concurrency.global}, ${r.concurrency.perHost} → ${r.effectiveConcurrency}`],
        ['one purchase alone, to healthy (s)', s(r.single.ms)],
        [`expected: one × ${r.n} / ${r.effectiveConcurrency} (s)`, s(expectedMs)],
        ['burst total, first POST to last stack healthy (s)', s(r.totalMs)],
        ['burst total / expected', (r.totalMs / expectedMs).toFixed(2)],
        ['webhook answers p50 / p95 / max (s)', spread(r.webhook)],
        ['webhook: all answered (s); non-200', `${s(r.webhook.allAnsweredMs)}; ${r.webhook.non200}`],
        ['on main p50 / p95 / max (s after the POSTs)', spread(r.commit)],
        ['planned (operation opened) p50 / p95 / max (s)', spread(r.planned)],
        ['stack healthy p50 / p95 / max (s)', spread(r.running)],
        ['tenants on main / databases / healthy stacks', `${r.counts.onMain} / ${r.counts.databases} / ${r.counts.healthyStacks}`],
        ['not running at the count (all running?)', `${notRunning} (${notRunning === 0 ? 'yes' : 'NO'})`],
        ['lost: answered 200, never on main (none?)', `${lost} (${lost === 0 ? 'yes' : 'NO'})`],
      ],
    ),
  );
  const file = resultsFile(join(here, 'results'), 'burst');
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify({ date: new Date().toISOString(), machine: machine(), loadAverage1m: load, expectedMs, ...r }, null, 2)}\n`);
  console.log(`\nJSON: ${file}`);
}

await main();
