import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, it } from 'vitest';
import { startTelegramEmulator, type TelegramEmulator } from '../test/telegram/emulator.js';
import { describeWithHosts } from '../test/hosts/index.js';
import { burstModulesDir } from './burst-module.js';
import { countRunning } from './burst-count.js';
import { plannedAt, waitDeployed } from './purchase-journal.js';
import { deliverPaid, paidCheckout, type Purchase, storeOrder } from './purchase-order.js';
import { closeAll, OWN_BOT, type PurchaseWorld, startPurchaseWorld } from './purchase-world.js';

/**
 * `npm run bench:burst`'s child (bench/burst.bench.ts): one purchase alone, then BENCH_N (100)
 * signed checkout.session.completed events POSTed at once, every tenant on a shared host, each
 * followed until its stack is healthy; then what exists is counted (tenants on main, databases,
 * healthy stacks). Writes JSON to BENCH_OUT. A vitest file only for the e2e harness's globalSetup.
 */
const N = Number(process.env.BENCH_N ?? 100);
const HOSTS = Number(process.env.BENCH_HOSTS ?? 10);
const DEADLINE_MS = 20 * 60_000;

const percentile = (values: readonly number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
};
const spread = (values: readonly number[]) => ({ p50: percentile(values, 50), p95: percentile(values, 95), max: percentile(values, 100) });

describeWithHosts(`burst benchmark: ${N} purchases at once`, () => {
  let emulator: TelegramEmulator;
  let modules: Awaited<ReturnType<typeof burstModulesDir>>;
  let pw: PurchaseWorld;
  const slugs: string[] = [];

  beforeAll(async () => {
    emulator = await startTelegramEmulator(OWN_BOT);
    modules = await burstModulesDir();
    // Room for the burst and the single purchase before it, spread evenly by the placement rule.
    pw = await startPurchaseWorld({ emulator, sharedHosts: HOSTS, capacity: Math.ceil((N + 1) / HOSTS) + 1, modulesDir: modules.dir, ...(process.env.BENCH_LOG ? { logFile: process.env.BENCH_LOG } : {}) });
  }, 15 * 60_000);

  afterAll(async () => {
    await closeAll([() => pw?.close(slugs), () => emulator?.close(), () => modules?.cleanup()]);
  }, 10 * 60_000);

  it('deploys every purchase of the burst', async () => {
    const purchase = (i: number): Purchase => ({ slug: `b${String(i).padStart(3, '0')}-${pw.world.suffix}`, plan: 'basic', owner: 400_000 + i, botToken: `74${String(i).padStart(8, '0')}:AAH_bench_burst_token_${String(i).padStart(3, '0')}_0000000000` });

    // One purchase alone: the time the burst is compared with.
    const one = purchase(0);
    slugs.push(one.slug);
    await storeOrder(pw.db, one);
    const single = await deliverPaid(pw.planeUrl, one.slug, paidCheckout(one));
    const singleDone = (await waitDeployed(pw.db, [one.slug], { timeoutMs: 5 * 60_000, everyMs: 100 })).get(one.slug);
    if (single.status !== 200 || singleDone === undefined) throw new Error(`the single purchase did not deploy (webhook ${single.status})`);

    const burst = Array.from({ length: N }, (_, i) => purchase(i + 1));
    slugs.push(...burst.map((p) => p.slug));
    // Orders are stored and events signed before the clock: the bot stored them minutes earlier.
    for (const p of burst) await storeOrder(pw.db, p);
    const deliveries = burst.map((p) => ({ slug: p.slug, delivery: paidCheckout(p) }));
    const t0 = Date.now();
    const sent = await Promise.all(deliveries.map((d) => deliverPaid(pw.planeUrl, d.slug, d.delivery)));
    const accepted = Date.now();
    const names = burst.map((p) => p.slug);
    const done = await waitDeployed(pw.db, names, { timeoutMs: DEADLINE_MS, everyMs: 500 });
    const finished = Date.now();

    const committed = await Promise.all(names.map((s) => pw.main.committedAt(s)));
    const planned = await plannedAt(pw.db, names);
    const counts = await countRunning(pw, names);
    const rel = (xs: readonly (number | null | undefined)[]) => xs.filter((x): x is number => typeof x === 'number').map((x) => x - t0);
    const running = rel(names.map((s) => done.get(s)));
    const out = {
      n: N,
      hosts: HOSTS,
      concurrency: pw.concurrency,
      effectiveConcurrency: Math.min(pw.concurrency.global, pw.concurrency.perHost * HOSTS),
      warmupMs: pw.warmupMs,
      single: { ms: singleDone - single.sentAt, webhookMs: single.answeredAt - single.sentAt },
      webhook: { non200: sent.filter((s) => s.status !== 200).length, allAnsweredMs: accepted - t0, ...spread(sent.map((s) => s.answeredAt - s.sentAt)) },
      commit: spread(rel(committed)),
      planned: spread(rel(names.map((s) => planned.get(s)))),
      running: spread(running),
      totalMs: running.length === N ? Math.max(...running) : finished - t0,
      counts,
      notRunning: names.filter((s) => !done.has(s)),
    };
    await writeFile(process.env.BENCH_OUT ?? '/dev/stdout', JSON.stringify(out, null, 2));
  }, DEADLINE_MS + 10 * 60_000);
});
