import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { pino } from 'pino';
import { parse, stringify } from 'yaml';
import { loadConfig } from '../app/config.js';
import { type ControlPlane, startControlPlane } from '../app/control-plane.js';
import { reconcilePass } from '../reconciler/reconcile.js';
import { dropTenantDatabases } from '../test/e2e/assertions.js';
import { startWorld, type World } from '../test/e2e/world.js';
import { type FakeStripe, startFakeStripe } from '../test/fake-stripe/index.js';
import type { TestHost } from '../test/hosts/index.js';
import type { MeetingPoint } from '../test/hosts/meeting-point.js';
import { TEST_WEBHOOK_SECRET } from '../test/stripe-webhook.js';
import type { TelegramEmulator } from '../test/telegram/emulator.js';
import { type MainWatcher, watchMain } from './purchase-push.js';

/** buckfleet's own bot in the Telegram emulator (the control plane's bot role polls it). */
export const OWN_BOT = { token: '7000000009:AAbuckfleetBenchPurchaseBotToken_01', id: 7_000_000_009, username: 'buckfleet_bench_bot' };

/**
 * The e2e world (test/e2e/world.ts: real git, PostgreSQL, test hosts behind a fake
 * DigitalOcean) with a whole control plane in-process, every role on as `buckfleet up` runs it
 * (http, bot, outbox, billing, rollouts and the reconciler loop), and GitHub's push webhook
 * played by a watcher of main (bench/purchase-push.ts). The shared hosts of the fleet are booted
 * and ready before it returns: a shared purchase lands on a running host, as in production. The
 * reconciler boots no host without a tenant, so each shared host gets one running tenant first
 * (`warm<i>`, the world's own, on host shared-<i>).
 */
export interface PurchaseWorldOptions {
  readonly emulator: TelegramEmulator;
  /** hosts/shared-1 … shared-<n>.yaml, each with room for `capacity` tenants. */
  readonly sharedHosts: number;
  readonly capacity: number;
  readonly modulesDir: string;
  readonly meetingPoint?: MeetingPoint;
  /** Edits the fleet repo's first commit (the catalog, for one). */
  readonly files?: (files: Record<string, string>) => void;
  readonly onHost?: (host: TestHost) => Promise<void>;
  /** The modules of the warm tenants (module → version); the world's default otherwise. */
  readonly warmModules?: Record<string, string>;
  /** The control plane's log (pino, info) goes to this file when set; silent otherwise. */
  readonly logFile?: string;
}

export interface PurchaseWorld {
  readonly world: World;
  readonly planeUrl: string;
  /** The control database (journal, orders). */
  readonly db: pg.Pool;
  readonly main: MainWatcher;
  /** The reconciler's tenant concurrency as app/reconciler.ts wires it. */
  readonly concurrency: { readonly global: number; readonly perHost: number };
  /** How long booting the shared hosts took before the control plane started. */
  readonly warmupMs: number;
  /** The test host a droplet booted, by droplet name (`bf-host-shared-1`, `bf-<slug>`). */
  hostOf(droplet: string): TestHost;
  /** Stops everything and drops the tenant databases of `slugs` (the world knows none of them). */
  close(slugs: readonly string[]): Promise<void>;
}

export async function startPurchaseWorld(opts: PurchaseWorldOptions): Promise<PurchaseWorld> {
  const warm = Array.from({ length: opts.sharedHosts }, (_, i) => ({ name: `warm${i + 1}`, placement: 'shared' as const, ...(opts.warmModules ? { modules: opts.warmModules } : {}) }));
  const world = await startWorld(warm, {
    modulesDir: opts.modulesDir,
    ...(opts.meetingPoint ? { meetingPoint: opts.meetingPoint } : {}),
    ...(opts.onHost ? { onHost: opts.onHost } : {}),
    files: (files) => {
      delete files['hosts/shared-1.yaml'];
      for (let i = 1; i <= opts.sharedHosts; i++) files[`hosts/shared-${i}.yaml`] = stringify({ name: `shared-${i}`, region: 'fra1', size: 's-2vcpu-4gb', capacity: opts.capacity });
      for (const [path, text] of Object.entries(files)) {
        const n = /^tenants\/warm(\d+)-/.exec(path)?.[1];
        if (n === undefined || !path.endsWith('/tenant.yaml')) continue;
        files[path] = stringify({ ...(parse(text) as Record<string, unknown>), placement: { type: 'shared', host: `shared-${n}` } });
      }
      opts.files?.(files);
    },
  });
  let stripe: FakeStripe | null = null;
  let plane: ControlPlane | null = null;
  let main: MainWatcher | null = null;
  const db = new pg.Pool({ connectionString: world.env.DATABASE_URL, max: 4 });
  const close = (slugs: readonly string[]) =>
    closeAll([() => main?.stop(), () => plane?.close(), () => db.end(), () => stripe?.close(), () => dropTenantDatabases(slugs), () => world.close()]);
  try {
    const began = Date.now();
    for (const [i, t] of world.tenants.entries()) opts.emulator.customerBots.set(world.botTokens[t.slug] ?? '', { id: 7_200_000_000 + i, username: `warm_${i}_bot` });
    const handle = await world.reconciler();
    await warmUp(handle.deps, [...Array.from({ length: opts.sharedHosts }, (_, i) => `host:shared-${i + 1}`), ...world.tenants.map((t) => t.slug)]);
    const warmupMs = Date.now() - began;
    stripe = await startFakeStripe();
    const githubSecret = randomBytes(16).toString('hex');
    const config = loadConfig({
      ...world.env,
      PORT: '0',
      TELEGRAM_BOT_TOKEN: OWN_BOT.token,
      TELEGRAM_API_ROOT: opts.emulator.apiRoot,
      STRIPE_SECRET_KEY: stripe.secretKey,
      STRIPE_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
      STRIPE_API_URL: stripe.url,
      GITHUB_WEBHOOK_SECRET: githubSecret,
    });
    const log = opts.logFile ? pino({ level: 'info' }, pino.destination({ dest: opts.logFile, sync: false })) : pino({ level: 'silent' });
    plane = await startControlPlane(config, world.home, { log });
    if (plane.url === null) throw new Error('the control plane serves no HTTP');
    main = watchMain({ gitDir: world.repo.gitDir, planeUrl: plane.url, secret: githubSecret });
    const planeUrl = plane.url;
    await firstPassDone(planeUrl);
    const watcher = main;
    return {
      world,
      planeUrl,
      db,
      main: watcher,
      concurrency: handle.deps.settings.concurrency,
      warmupMs,
      hostOf(droplet) {
        const host = world.hosts.get(droplet);
        if (!host) throw new Error(`no test host for droplet ${droplet}`);
        return host;
      },
      close,
    };
  } catch (error) {
    await close([]);
    throw error;
  }
}

/**
 * Reconcile passes, as the e2e tests run them, until the shared hosts and their warm tenants have
 * each been ready (at most four passes). A host with nothing left to do is in no later report.
 */
async function warmUp(deps: Parameters<typeof reconcilePass>[0], owners: readonly string[]): Promise<void> {
  const ready = new Set<string>();
  let last = '';
  for (let pass = 0; pass < 4; pass++) {
    const report = await reconcilePass(deps);
    for (const o of report.owners) if (o.status === 'ready') ready.add(o.owner);
    // Progress on stderr (the parent keeps it in the child's log): a warm-up can take minutes.
    console.error(`warm-up pass ${pass + 1}: ${report.owners.map((o) => `${o.owner} ${o.status}${o.error ? ` (${o.error})` : ''}`).join(', ')}`);
    const notReady = owners.filter((w) => !ready.has(w));
    if (notReady.length === 0) return;
    last = notReady.map((w) => `${w}: ${JSON.stringify(report.owners.find((o) => o.owner === w) ?? 'absent')}`).join('; ');
  }
  throw new Error(`the shared hosts and their warm tenants are not ready: ${last}`);
}

/**
 * Waits until the control plane's reconciler loop has finished its first pass (its metrics count
 * one). A production control plane runs long before a purchase; without this, the purchase
 * shared the CPU with the new process's first pass (opening the hosts' SSH connections, loading
 * the fleet cold), which was part of no phase the benchmark names.
 */
async function firstPassDone(planeUrl: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const text = await (await fetch(`${planeUrl}/metrics`)).text();
    const passes = [...text.matchAll(/^buckfleet_reconcile_duration_seconds_count\{[^}]*\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
    if (passes > 0) return;
    if (Date.now() > deadline) throw new Error('the control plane finished no reconcile pass in 2 minutes');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Runs every step even when one fails (a benchmark's teardown must not leave hosts behind), then throws what failed. */
export async function closeAll(steps: readonly (() => unknown)[]): Promise<void> {
  const failed: unknown[] = [];
  for (const step of steps) {
    try {
      await step();
    } catch (error) {
      failed.push(error);
    }
  }
  if (failed.length > 0) throw new AggregateError(failed, `teardown: ${failed.length} step(s) failed`);
}
