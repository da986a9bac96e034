import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { FLEET_FILE } from '../fleet/paths.js';
import { loadRevision } from '../fleet/load/revision.js';
import { LocalFleetRepo } from '../fleet/repo/local/index.js';
import { MAIN } from '../fleet/repo/types.js';
import { sealValue } from '../fleet/seal.js';
import { submitChange } from '../fleet/submit.js';
import { BENCH_RECIPIENT, generateFleet, writeFleetRepo } from './fleet-generator.js';
import { machine, resultsFile, table } from './purchase-child.js';
import { flag } from './flags.js';

/**
 * `npm run bench:submit`: the deploy benchmark's "commit" phase at fleet scale. A purchase's
 * `tenant.create` submitted to a local fleet repo of N generated tenants (merge policy auto, as
 * a paid purchase lands), in a process that has main loaded already, as the Stripe inbox has:
 * the inbox's own read of main, then `submitChange` (build, validate the edited tree, commit,
 * PR, merge). RUNS purchases one after another, each on the main the last one made.
 * Flags: --sizes 1000,10000 (default); --runs N (default 5, the median reported); --prs N
 * (default 0): N merged PR records already in the repo before the first purchase, as a year of
 * purchases and monthly renewals leaves them (10k tenants: 120k).
 */

const here = dirname(fileURLToPath(import.meta.url));

const sizes = flag('--sizes')?.split(',').map(Number) ?? [1_000, 10_000];
const runs = Number(flag('--runs') ?? 5);
const prs = Number(flag('--prs') ?? 0);

interface SizeResult {
  readonly tenants: number;
  readonly warmLoadMs: number;
  readonly submitMs: readonly number[];
  readonly medianMs: number;
  readonly maxMs: number;
}

async function measure(n: number, root: string): Promise<SizeResult> {
  const { files } = generateFleet({ tenants: n, seed: 1 });
  const fleetYaml = parse(files.get(FLEET_FILE) ?? '') as { mergePolicy: { kinds: Record<string, string> } };
  fleetYaml.mergePolicy.kinds['tenant.create'] = 'auto';
  const gitDir = join(root, `fleet-${n}.git`);
  let repo = await writeFleetRepo(gitDir, new Map([...files, [FLEET_FILE, stringify(fleetYaml)]]));
  if (prs > 0) repo = await seedMergedPrs(gitDir, (await repo.head(MAIN)) ?? '');
  const t0 = performance.now();
  const first = await loadRevision(repo, (await repo.head(MAIN)) ?? '');
  const warmLoadMs = Math.round(performance.now() - t0);
  if (!first.ok) throw new Error(`the generated fleet of ${n} does not validate: ${first.issues[0]?.message ?? '?'}`);
  const token = await sealValue(BENCH_RECIPIENT, '123456:AAH_bench_submit_token');
  const submitMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const began = performance.now();
    const head = await repo.head(MAIN);
    const loaded = await loadRevision(repo, head ?? '');
    if (!loaded.ok) throw new Error(`main stopped validating after ${i} purchases`);
    const outcome = await submitChange(
      { repo, prs: repo, now: () => new Date() },
      {
        id: `stripe:evt_benchsubmit${n}x${i}`,
        kind: 'tenant.create',
        requestedBy: { type: 'stripe', eventId: `evt_benchsubmit${n}x${i}` },
        slug: `bought-${n}-${i}`,
        owner: { telegramUserId: 900_000 + i },
        plan: 'basic',
        modules: [{ name: 'core', version: '1.2.0', config: {} }],
        secrets: { BOT_TOKEN: token },
      },
    );
    if (outcome.status !== 'merged') throw new Error(`purchase ${i} at ${n} tenants was ${outcome.status}, not merged`);
    submitMs.push(Math.round(performance.now() - began));
  }
  const sorted = [...submitMs].sort((a, b) => a - b);
  return { tenants: n, warmLoadMs, submitMs, medianMs: sorted[Math.floor(sorted.length / 2)] ?? NaN, maxMs: sorted.at(-1) ?? NaN };
}

/**
 * Writes `prs` merged PR records as the local repo keeps them (`<gitdir>/buckfleet/prs/<n>.json`),
 * then opens the repo again, which indexes them by branch once (prs.ts): the state of a repo that
 * has been in use for a while, set up outside the clock.
 */
async function seedMergedPrs(gitDir: string, head: string): Promise<LocalFleetRepo> {
  const dir = join(gitDir, 'buckfleet', 'prs');
  for (let i = 1; i <= prs; i += 500) {
    await Promise.all(
      Array.from({ length: Math.min(500, prs - i + 1) }, (_, k) => {
        const number = i + k;
        const record = { number, branch: `bf/billing-record/renewal-${number}`, title: `Renewal ${number}`, body: '', labels: ['billing'], state: 'merged', head, mergeCommit: head, mergeMessage: `Renewal ${number}\n`, comments: [] };
        return writeFile(join(dir, `${number}.json`), JSON.stringify(record, null, 2) + '\n');
      }),
    );
  }
  for (const derived of ['branches', 'branches-indexed', 'last-number.json']) await rm(join(dir, derived), { recursive: true, force: true });
  return LocalFleetRepo.open(gitDir);
}

const root = await mkdtemp(join(tmpdir(), 'bf-bench-submit-'));
try {
  const before = loadavg()[0] ?? 0;
  const results: SizeResult[] = [];
  for (const n of sizes) results.push(await measure(n, root));
  const after = loadavg()[0] ?? 0;
  console.log(
    table(
      ['N', 'PR records', 'first load of main (ms)', `purchase commit, median of ${runs} (ms)`, 'max (ms)', 'each (ms)'],
      results.map((r) => [String(r.tenants), String(prs), String(r.warmLoadMs), String(r.medianMs), String(r.maxMs), r.submitMs.join(', ')]),
    ),
  );
  const out = resultsFile(join(here, 'results'), 'submit');
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, JSON.stringify({ date: new Date().toISOString(), machine: machine(), loadAverage1m: { before, after }, runs, prRecords: prs, results }, null, 2) + '\n');
  console.log(`\nJSON: ${out}`);
} finally {
  await rm(root, { recursive: true, force: true });
}
