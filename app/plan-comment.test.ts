import { Webhooks } from '@octokit/webhooks';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { describe, expect, it, type TestContext } from 'vitest';
import { tenantFile } from '../fleet/paths.js';
import { MAIN } from '../fleet/repo/types.js';
import { Secret } from '../fleet/secret.js';
import { FakeDigitalOcean } from '../test/fake-do/index.js';
import { DEDICATED_TENANT, validFleetFiles } from '../test/fleet-fixtures.js';
import { makeTempBareRepo } from '../test/git.js';
import { testDatabase } from '../test/pg/database.js';
import { loadConfig } from './config.js';
import { GITHUB_WEBHOOK_PATH, githubWebhookRoutes } from './http/routes/github.js';
import { startHttpServer } from './http/server.js';
import { commentPlan, dryRunPlanner, PLAN_WORKFLOW_PATH, type PlanCommentDeps } from './plan-comment.js';
import { openReconciler } from './reconciler.js';

/**
 * The plan comment against real parts: a local fleet repo with a PR, the reconciler wired from
 * the configuration (control database on the test PostgreSQL, the fake DigitalOcean, the test
 * modules), so the plan is the one `buckfleet plan` would print for the PR's head.
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BRANCH = 'bf/tenant.create/bravo-news';

/** Paid up to now, so billing says both tenants run and the plan has work to show. */
const fleetNow = () => validFleetFiles({ now: new Date(Math.floor(Date.now() / 1000) * 1000).toISOString().replace('.000Z', 'Z') });

async function setUp(ctx: TestContext) {
  const db = await testDatabase(ctx);
  const cloud = await FakeDigitalOcean.start();
  const tmp = await mkdtemp(join(tmpdir(), 'buckfleet-plan-comment-'));
  const withoutDedicated = Object.fromEntries([...fleetNow()].filter(([path]) => !path.startsWith(`tenants/${DEDICATED_TENANT}/`)));
  const fleet = await makeTempBareRepo(withoutDedicated);
  const logs: string[] = [];
  const log = pino({ level: 'info' }, new Writable({ write: (chunk: Buffer, _enc, done) => (logs.push(chunk.toString('utf8')), done()) }));
  const config = loadConfig({
    BUCKFLEET_HOME: join(tmp, 'home'),
    DATABASE_URL: db.url,
    FLEET_REPO: fleet.gitDir,
    DIGITALOCEAN_TOKEN: cloud.token,
    DIGITALOCEAN_API_URL: cloud.url,
    BUCKFLEET_MODULES_DIR: join(ROOT, 'test/e2e/modules'),
  });
  const reconciler = await openReconciler(config, tmp, { log });
  ctx.onTestFinished(async () => {
    await reconciler.close();
    await cloud.close();
    await fleet.cleanup();
    await rm(tmp, { recursive: true, force: true });
  });
  const repo = fleet.repo;
  const deps: PlanCommentDeps = { repo, plan: dryRunPlanner(reconciler.deps), log };

  /** The PR adding the dedicated tenant (and `extra` files), as the bot's purchase opens it. */
  const openPr = async (extra: Record<string, string> = {}) => {
    const main = (await repo.head(MAIN))!;
    const edits = [...fleetNow()].filter(([path]) => path.startsWith(`tenants/${DEDICATED_TENANT}/`)).map(([path, content]) => ({ path, content }));
    edits.push(...Object.entries(extra).map(([path, content]) => ({ path, content })));
    const head = await repo.commit({ branch: BRANCH, parent: main, edits, message: 'Create bravo-news', expect: 'absent' });
    const pr = await repo.ensurePr({ branch: BRANCH, title: 'Create bravo-news', body: '', labels: [] });
    return { number: pr.number, head };
  };
  const pushToPr = (parent: string, path: string, content: string) => repo.commit({ branch: BRANCH, parent, edits: [{ path, content }], message: 'more', expect: { at: parent } });
  return { db, cloud, repo, deps, logs, openPr, pushToPr };
}

describe('commentPlan', () => {
  it("plans the PR head against the world into one comment with the workflow's marker and status, edited on each push", { timeout: 60_000 }, async (ctx) => {
    const t = await setUp(ctx);
    const pr = await t.openPr();

    expect(await commentPlan(t.deps, pr.number, pr.head)).toBe('posted');
    const comments = await t.repo.comments(pr.number);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.marker).toBe('plan'); // rendered as <!-- buckfleet:plan -->, plan.yml's marker
    // The head's tree (both tenants, one new and dedicated), not main's: the dedicated tenant's droplet is planned.
    expect(comments[0]!.body).toContain(`### buckfleet plan for \`${pr.head.slice(0, 12)}\``);
    expect(comments[0]!.body).toContain('**4 to create, 6 to change, 0 to remove**');
    expect(comments[0]!.body).toContain(`<summary><code>${DEDICATED_TENANT}</code></summary>`);
    expect(await t.repo.getStatuses(pr.head)).toEqual([{ context: 'buckfleet/plan', state: 'success', description: '4 to create, 6 to change, 0 to remove' }]);
    expect(t.cloud.droplets()).toEqual([]); // a plan changes nothing

    // A push that breaks the tenant: the same one comment now says why, naming the file.
    const tenant = fleetNow().get(tenantFile(DEDICATED_TENANT))!;
    const broken = await t.pushToPr(pr.head, tenantFile(DEDICATED_TENANT), tenant.replace('plan: pro', 'plan: platinum'));
    expect(await commentPlan(t.deps, pr.number, broken)).toBe('posted');
    const after = await t.repo.comments(pr.number);
    expect(after).toHaveLength(1);
    expect(after[0]!.body).toContain('**The fleet does not validate.**');
    expect(after[0]!.body).toContain(`${tenantFile(DEDICATED_TENANT)}:`);
    expect(await t.repo.getStatuses(broken)).toEqual([{ context: 'buckfleet/plan', state: 'failure', description: 'the fleet does not validate' }]);
  });

  it("leaves a PR alone when its tree has plan.yml: the fleet repo's own workflow comments", async (ctx) => {
    const t = await setUp(ctx);
    const pr = await t.openPr({ [PLAN_WORKFLOW_PATH]: 'name: plan\n' });
    expect(await commentPlan(t.deps, pr.number, pr.head)).toBe('workflows');
    expect(await t.repo.comments(pr.number)).toEqual([]);
    expect(await t.repo.getStatuses(pr.head)).toEqual([]);
  });

  it('posts nothing for a head the PR has moved past (the newer push posts its own)', async (ctx) => {
    const t = await setUp(ctx);
    const pr = await t.openPr();
    await t.pushToPr(pr.head, 'README.md', 'newer\n');
    expect(await commentPlan(t.deps, pr.number, pr.head)).toBe('outdated');
    expect(await t.repo.comments(pr.number)).toEqual([]);
  });

  it("says the plan failed without the error's text (hosts, credentials) in the public comment", async (ctx) => {
    const t = await setUp(ctx);
    const pr = await t.openPr();
    const failing: PlanCommentDeps = { ...t.deps, plan: () => Promise.reject(new Error('connect ECONNREFUSED postgres://admin:hunter2@10.0.0.5:5432/x')) };
    expect(await commentPlan(failing, pr.number, pr.head)).toBe('posted');
    const [comment] = await t.repo.comments(pr.number);
    expect(comment!.body).toContain('**The plan failed**');
    expect(comment!.body).not.toContain('10.0.0.5');
    expect(await t.repo.getStatuses(pr.head)).toEqual([{ context: 'buckfleet/plan', state: 'error', description: 'buckfleet plan failed' }]);
    const logged = t.logs.join('');
    expect(logged).toContain('plan for the PR comment failed');
    expect(logged).not.toContain('hunter2');
  });

  it('runs from a signed pull_request webhook delivery', { timeout: 60_000 }, async (ctx) => {
    const t = await setUp(ctx);
    const pr = await t.openPr();
    const secret = 'gh-webhook-test-secret-plan';
    const server = await startHttpServer({
      port: 0,
      host: '127.0.0.1',
      log: pino({ level: 'silent' }),
      routes: [
        githubWebhookRoutes({
          db: t.db.pool,
          webhookSecret: new Secret(secret),
          onMainMoved: () => undefined,
          onPullRequest: async (number, head) => void (await commentPlan(t.deps, number, head)),
        }),
      ],
    });
    ctx.onTestFinished(() => server.close());
    const body = JSON.stringify({ action: 'opened', number: pr.number, pull_request: { head: { sha: pr.head }, base: { ref: MAIN } }, repository: { full_name: 'acme/fleet' } });
    const response = await fetch(`${server.url}${GITHUB_WEBHOOK_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-event': 'pull_request', 'x-github-delivery': 'plan-1', 'x-hub-signature-256': await new Webhooks({ secret }).sign(body) },
      body,
    });
    expect(response.status).toBe(200);
    await expect.poll(async () => (await t.repo.comments(pr.number)).map((c) => c.marker), { timeout: 30_000 }).toEqual(['plan']);
    expect((await t.repo.comments(pr.number))[0]!.body).toContain('**4 to create, 6 to change, 0 to remove**');
  });
});
