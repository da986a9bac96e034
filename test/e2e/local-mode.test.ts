import { randomBytes } from 'node:crypto';
import { chmod, cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, expect, it, type TestContext } from 'vitest';
import { LocalFleetRepo } from '../../fleet/repo/local/index.js';
import { submitChange } from '../../fleet/submit.js';
import { WORKING_DIR_LABEL } from '../../reconciler/resources/local/index.js';
import { describeWithHosts, docker, generateClientKey, generateHostKey, importImage, startTestHost, stopAllTestHosts, type TestHost } from '../hosts/index.js';
import { TEST_RECIPIENT } from '../fleet-fixtures.js';
import { testDatabase } from '../pg/database.js';
import { containers, dropTenantDatabases, httpGet, tenantTables } from './assertions.js';
import { spawnUp } from '../up-process.js';
import { MODULES_DIR } from './world.js';

/**
 * Local mode end to end (issue 7's "done when"): `buckfleet up` as its own process on an empty
 * BUCKFLEET_HOME, no DigitalOcean, the local provider's docker played by a test host's dockerd
 * (BUCKFLEET_LOCAL_DOCKER_HOST). A tenant created with `buckfleet tenant create` reaches `running`
 * in `buckfleet status`, with its stack on that docker and its database migrated; SIGTERM stops
 * the service with exit 0. `--roles http` on the same setup serves HTTP and deploys nothing.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CORE_IMAGE = 'buckfleet-test/core:1.0.0';
/** The customer's bot token: given on stdin, it may appear in no output of the service. */
const TOKEN = `7000000123:AAlocal_mode_${randomBytes(6).toString('hex')}_token000000`;

describeWithHosts('local mode: buckfleet up on an empty home deploys a tenant to the local docker', () => {
  let host: TestHost;

  beforeAll(async () => {
    const [hostKey, client] = await Promise.all([generateHostKey(), generateClientKey()]);
    host = await startTestHost({ hostKeyFile: hostKey.privateKeyFile, authorizedKeys: client.publicKey });
    await importImage(host, CORE_IMAGE);
  }, 120_000);

  afterAll(() => stopAllTestHosts(), 120_000);

  /** A fresh home and control database, and the environment of every buckfleet process on them. */
  /** `database: 'embedded'` leaves DATABASE_URL unset: up starts its own PostgreSQL in the home. */
  async function setup(
    ctx: TestContext,
    database: 'test server' | 'embedded' = 'test server',
  ): Promise<{ env: Record<string, string>; home: string; slug: (name: string) => string; query: (sql: string, values: unknown[]) => Promise<unknown[]> }> {
    const db = database === 'embedded' ? null : await testDatabase(ctx);
    // Under the OS temp folder, readable by others: an embedded database cannot live under /root.
    const home = await mkdtemp(join(tmpdir(), 'bf-local-'));
    await chmod(home, 0o755);
    const suffix = randomBytes(2).toString('hex');
    const slugs: string[] = [];
    ctx.onTestFinished(async () => {
      // Stacks use host networking on the one test host: a stack left running would hold the
      // next test's port.
      for (const slug of slugs) {
        const ids = (await containers(host, `bf-${slug}`)).map((c) => c.id);
        if (ids.length > 0) await docker(host, ['rm', '-f', ...ids]);
      }
      // The embedded server and its tenant databases go with the home.
      if (db !== null) await dropTenantDatabases(slugs);
      await rm(home, { recursive: true, force: true });
    });
    const env = {
      BUCKFLEET_HOME: home,
      PORT: '0',
      ...(db === null ? {} : { DATABASE_URL: db.url }),
      BUCKFLEET_LOCAL_DOCKER_HOST: host.dockerHost,
      BUCKFLEET_MODULES_DIR: MODULES_DIR,
      BUCKFLEET_STACK_NETWORK: 'host',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_CONFIG_NOSYSTEM: '1',
    };
    return {
      env,
      home,
      query: async (sql, values) => {
        if (db === null) throw new Error('the embedded control database is up\'s own');
        return (await db.pool.query<Record<string, unknown>>(sql, values)).rows;
      },
      slug: (name) => {
        const slug = `${name}-${suffix}`;
        slugs.push(slug);
        return slug;
      },
    };
  }

  /** What a module developer's `buckfleet release` would have put in the catalog: core 1.0.0, the busybox stand-in. */
  async function releaseCore(home: string): Promise<void> {
    const repo = await LocalFleetRepo.open(join(home, 'fleet.git'));
    const outcome = await submitChange(
      { repo, prs: repo, now: () => new Date() },
      {
        kind: 'module.release',
        id: 'release-core-1.0.0',
        requestedBy: { type: 'cli', user: 'e2e' },
        module: 'core',
        version: '1.0.0',
        title: { en: 'Test multi-bot' },
        description: { en: 'The busybox stand-in' },
        release: { image: CORE_IMAGE, requires: {}, releasedAt: new Date(Date.now() - 60_000).toISOString() },
      },
    );
    expect(outcome.status).toBe('merged');
  }

  async function createTenant(env: Record<string, string>, slug: string): Promise<void> {
    const r = await cli(env, ['tenant', 'create', slug, '--owner', '300123', '--plan', 'basic', '--token-stdin'], `${TOKEN}\n`);
    expect({ code: r.exitCode, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(/merged/);
  }

  it.for(['test server', 'embedded'] as const)('creates a tenant with the CLI and sees it running in buckfleet status; SIGTERM stops the service with exit 0 (control database: %s)', { timeout: 240_000 }, async (database, ctx) => {
    const { env, home, slug: slugOf } = await setup(ctx, database);
    const slug = slugOf('loco');
    const up = await spawnUp(ctx, env);
    expect(up.out).toEqual([
      `created a local fleet repo in ${join(home, 'fleet.git')}`,
      'Stripe webhooks are off: set STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET to serve POST /webhooks/stripe',
      'The Telegram bot is off: create a bot with @BotFather and set TELEGRAM_BOT_TOKEN to its token, then restart.',
      `buckfleet control plane on ${up.url}`,
    ]);
    expect((await fetch(`${up.url}/readyz`)).status).toBe(200);

    await releaseCore(home);
    await createTenant(env, slug);
    const status = await eventually(
      () => tenantStatus(env, slug),
      (s) => s === 'running',
      120_000,
    );
    expect(status).toBe('running');

    // The stack runs on the test host's dockerd, started from the local provider's folder in the home.
    const cs = await containers(host, `bf-${slug}`);
    expect(cs.map((c) => `${c.service}:${c.running}:${c.health}`)).toEqual(['core:true:healthy']);
    expect(await httpGet(host, cs[0]!.id, 18_080)).toBe('bot');
    const workingDir = (await docker(host, ['inspect', '--format', `{{index .Config.Labels "${WORKING_DIR_LABEL}"}}`, cs[0]!.id])).stdout.trim();
    expect(workingDir).toMatch(new RegExp(`^${join(home, 'local', 'stacks')}/local-\\d+/bf-${slug}$`));
    // Its database was migrated (on the embedded server only up's own connection reaches it).
    if (database === 'test server') expect(await tenantTables(slug)).toEqual(['bot_users', 'buckfleet_migrations']);

    const stopping = Date.now();
    up.child.kill('SIGTERM');
    expect(await up.exited, up.stderr()).toEqual({ code: 0, signal: null });
    expect(Date.now() - stopping).toBeLessThan(20_000);
    expect(up.stderr()).not.toContain(TOKEN.split(':')[1]);
    // The service stopped; the tenant's bot did not.
    expect((await containers(host, `bf-${slug}`)).map((c) => c.running)).toEqual([true]);
  });

  it('SIGTERM during a step that waits (a health gate) ends it at once as waiting, journaled, and exits 0', async (ctx) => {
    const { env: baseEnv, home, slug: slugOf, query } = await setup(ctx);
    // core whose health check never passes: its deploy waits in the health gate for minutes.
    const modules = join(home, 'modules');
    await cp(MODULES_DIR, modules, { recursive: true });
    const manifest = join(modules, 'core', 'module.yaml');
    const text = await readFile(manifest, 'utf8');
    await writeFile(manifest, text.replace(/^healthcheck: .*$/m, "healthcheck: { test: ['CMD-SHELL', 'exit 1'], intervalSeconds: 5, retries: 100 }"));
    const env = { ...baseEnv, BUCKFLEET_MODULES_DIR: modules };
    const slug = slugOf('slow');
    const up = await spawnUp(ctx, env);
    await releaseCore(home);
    await createTenant(env, slug);
    const deploying = await eventually(
      () => query(`SELECT s.status FROM reconcile_steps s JOIN reconcile_operations o ON o.id = s.operation_id WHERE o.tenant = $1 AND s.kind = 'stack.deploy'`, [slug]),
      (rows) => rows.length === 1,
      60_000,
    );
    expect(deploying).toEqual([{ status: 'started' }]);
    // Compose has started it; the gate now waits for a health that never comes.
    const started = await eventually(
      async () => (await containers(host, `bf-${slug}`)).map((c) => `${c.running}:${c.health}`),
      (cs) => cs.length > 0,
      30_000,
    );
    expect(started).toEqual(['true:starting']);
    await new Promise((r) => setTimeout(r, 1_000));

    const stopping = Date.now();
    up.child.kill('SIGTERM');
    expect(await up.exited, up.stderr()).toEqual({ code: 0, signal: null });
    // Well inside the gate's three minutes: the wait ended, it did not run out.
    expect(Date.now() - stopping).toBeLessThan(15_000);
    expect(await query(`SELECT s.status, s.error FROM reconcile_steps s JOIN reconcile_operations o ON o.id = s.operation_id WHERE o.tenant = $1 AND s.kind = 'stack.deploy'`, [slug])).toEqual([
      { status: 'failed', error: 'the reconciler is stopping; the step resumes on its next start' },
    ]);
    // Waiting, not a fault: still reconciling, not stalled, and the next start takes it up again.
    expect(
      await query(
        `SELECT conditions->'Ready'->>'reason' AS reason, conditions->'Reconciling'->>'status' AS reconciling, conditions->'Stalled'->>'status' AS stalled FROM tenant_status WHERE tenant = $1`,
        [slug],
      ),
    ).toEqual([{ reason: 'ShuttingDown', reconciling: 'true', stalled: 'false' }]);
  }, 180_000);

  it('with --roles http serves HTTP and deploys nothing: a new tenant waits for a reconciler process', async (ctx) => {
    const setUp = await setup(ctx);
    // No reconciler here generates the local age identity that tenant create would seal to.
    const env = { ...setUp.env, AGE_RECIPIENT: TEST_RECIPIENT };
    const { home, slug: slugOf } = setUp;
    const slug = slugOf('idle');
    const up = await spawnUp(ctx, env, ['--roles', 'http']);
    expect(up.out.at(-2)).toBe('roles of this process: http');
    expect((await fetch(`${up.url}/readyz`)).status).toBe(200);
    await releaseCore(home);
    await createTenant(env, slug);
    // Longer than a reconciler's poll of main (5 s) and its first pass.
    await new Promise((r) => setTimeout(r, 8_000));
    expect(await containers(host, `bf-${slug}`)).toEqual([]);
    expect(await tenantTables(slug)).toBeNull();
    expect(await tenantStatus(env, slug)).not.toBe('running');
    up.child.kill('SIGTERM');
    expect(await up.exited, up.stderr()).toEqual({ code: 0, signal: null });
  }, 120_000);
});

function cli(env: Record<string, string>, args: readonly string[], input?: string) {
  return execa(process.execPath, ['--import', 'tsx', 'cli/entry.ts', ...args], {
    cwd: ROOT,
    env: { ...env, LOG_LEVEL: 'warn', PATH: process.env.PATH ?? '/usr/bin:/bin' },
    extendEnv: false,
    reject: false,
    timeout: 60_000,
    ...(input === undefined ? {} : { input }),
  });
}

/** The tenant's status as `buckfleet status --json` shows it. */
async function tenantStatus(env: Record<string, string>, slug: string): Promise<string | null> {
  const r = await cli(env, ['status', '--json']);
  if (r.exitCode !== 0) throw new Error(`buckfleet status failed (${r.exitCode}): ${r.stderr}`);
  const { tenants } = JSON.parse(r.stdout) as { tenants: { slug: string; status: string }[] };
  return tenants.find((t) => t.slug === slug)?.status ?? null;
}

async function eventually<T>(probe: () => Promise<T>, ok: (value: T) => boolean, ms: number): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (ok(value) || Date.now() > until) return value;
    await new Promise((r) => setTimeout(r, 1_000));
  }
}
