import { Octokit } from '@octokit/rest';
import { generateX25519Identity } from 'age-encryption';
import { execa } from 'execa';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, type TestContext } from 'vitest';
import { initFiles } from '../../cli/commands/init-files.js';
import { packageVersion } from '../../cli/version.js';
import { tenantFile } from '../../fleet/paths.js';
import { type FakeDigitalOcean, startFakeDigitalOcean } from '../fake-do/index.js';
import { FakeGitHub } from '../fake-github/index.js';
import { DEDICATED_TENANT, SHARED_HOST, SHARED_TENANT, validFleetFiles } from '../fleet-fixtures.js';
import { testDatabase } from '../pg/database.js';
import { buckfleetOnPath, type JobRun, parseWorkflow, runJob, type RunOptions, type Step, substitute } from './runner.js';

/**
 * The fleet repo's workflows as `buckfleet init` writes them, run here step by step against a
 * local fleet: the exact `run:` lines under the workflow's shell, the plan comment script
 * against a fake GitHub, with a fake DigitalOcean and a real PostgreSQL behind the secrets.
 * What differs from a runner, and only that: `buckfleet` on PATH is this checkout (the install
 * step is not run), `github.repository` (FLEET_REPO) is a local bare repo, and the test adds
 * DIGITALOCEAN_API_URL and BUCKFLEET_MODULES_DIR to point at its stand-ins.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const VERSION = packageVersion();
const FILES = initFiles('acme', VERSION);
const PLAN = parseWorkflow(FILES.get('.github/workflows/plan.yml')!);
const APPLY = parseWorkflow(FILES.get('.github/workflows/apply.yml')!);

const git = (cwd: string, ...args: string[]) => execa('git', args, { cwd }).then((r) => r.stdout.trim());

let tmp: string;
let github: FakeGitHub;
let cloud: FakeDigitalOcean;
let sshKey: string;

beforeEach(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'buckfleet-workflows-'));
  github = await FakeGitHub.start();
  cloud = await startFakeDigitalOcean();
  await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'test', '-f', join(tmp, 'id')]);
  sshKey = await readFile(join(tmp, 'id'), 'utf8');
});

afterEach(async () => {
  await cloud.close();
  await github.close();
  await rm(tmp, { recursive: true, force: true });
});

/** A PR in the fake GitHub: `main` and the PR branch, and the workspace actions/checkout would give. */
async function openPr(main: Record<string, string>, branch: Record<string, string | null>): Promise<{ number: number; head: string; workspace: string; fleetRepo: string }> {
  await github.seed('main', main);
  const head = await github.seed('bf/tenant.create/bravo', branch, { from: (await github.head('main'))! });
  const octokit = new Octokit({ baseUrl: github.url, auth: github.token });
  const pr = await octokit.rest.pulls.create({ owner: github.owner, repo: github.repo, head: 'bf/tenant.create/bravo', base: 'main', title: 'Create bravo' });
  const workspace = join(tmp, `workspace-${pr.data.number}`);
  await execa('git', ['clone', '-q', '--branch', 'bf/tenant.create/bravo', `file://${github.gitDir}`, workspace]);
  const fleetRepo = join(tmp, 'fleet.git');
  await execa('git', ['clone', '-q', '--bare', `file://${github.gitDir}`, fleetRepo]);
  return { number: pr.data.number, head, workspace, fleetRepo };
}

/** Pushes more commits to the PR branch and updates the workspace, as a new push to the PR does. */
async function pushToPr(workspace: string, files: Record<string, string | null>): Promise<string> {
  const head = await github.seed('bf/tenant.create/bravo', files);
  await git(workspace, 'pull', '-q', '--ff-only');
  return head;
}

interface PlanRun {
  readonly run: JobRun;
  readonly step: (id: string) => JobRun['results'][number];
}

async function runPlan(ctx: TestContext, pr: { number: number; workspace: string; fleetRepo: string }, databaseUrl: string, secrets: Record<string, string> = {}): Promise<PlanRun> {
  const bin = await buckfleetOnPath(join(tmp, 'bin'));
  const head = (await github.head('bf/tenant.create/bravo'))!;
  const octokit = new Octokit({ baseUrl: github.url, auth: github.token });
  const run = await runJob(PLAN, 'plan', {
    workspace: pr.workspace,
    runnerTemp: await mkdtemp(join(tmp, 'runner-')),
    context: {
      'github.repository': pr.fleetRepo,
      'github.token': github.token,
      'github.event.pull_request.number': String(pr.number),
      'secrets.DATABASE_URL': databaseUrl,
      'secrets.TENANT_DATABASE_URL': databaseUrl,
      'secrets.DIGITALOCEAN_TOKEN': cloud.token,
      'secrets.SSH_PRIVATE_KEY': sshKey,
      ...secrets,
    },
    baseEnv: baseEnv(bin),
    conditions: {
      "steps.validate.outcome == 'success'": (o) => o.get('validate') === 'success',
      "${{ !cancelled() && steps.validate.outcome != 'skipped' }}": (o) => o.get('validate') !== 'skipped',
    },
    standIn: installStandIn,
    uses: async (step, env) => {
      if (step.uses === 'actions/checkout@v4' || step.uses === 'actions/setup-node@v4') return 'success'; // done by the test
      if (step.uses !== 'actions/github-script@v7') throw new Error(`no stand-in for ${step.uses}`);
      // github-script's globals: an authenticated Octokit, the event's context, and require.
      const context = { repo: { owner: github.owner, repo: github.repo }, issue: { number: pr.number }, payload: { pull_request: { number: pr.number, head: { sha: head } } } };
      const script = String(step.with?.script ?? '');
      const saved = { ...process.env };
      Object.assign(process.env, env, { GITHUB_REPOSITORY: `${github.owner}/${github.repo}`, GITHUB_SERVER_URL: 'https://github.com', GITHUB_RUN_ID: '42' });
      try {
        const require = (id: string) => {
          if (id === 'fs') return nodeFs;
          throw new Error(`the plan comment script requires ${id}, which the test does not provide`);
        };
        await new AsyncFunction('github', 'context', 'require', script)(octokit, context, require);
        return 'success';
      } finally {
        for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
        Object.assign(process.env, saved);
      }
    },
  } satisfies RunOptions);
  ctx.onTestFailed(() => {
    for (const r of run.results) console.info(`--- ${r.step.name ?? r.step.uses}: ${r.outcome}\n${r.output}`);
  });
  return { run, step: (id) => run.results.find((r) => r.step.id === id)! };
}

const nodeFs = await import('node:fs');

/** The constructor of async functions: github-script runs its script as the body of one. */
const AsyncFunction = (Object.getPrototypeOf(async function () {}) as { constructor: new (...args: string[]) => (...values: unknown[]) => Promise<unknown> }).constructor;

/** The install step installs exactly this version from npm; the test's `buckfleet` stands in for it. */
function installStandIn(step: Step): boolean {
  if (step.name !== 'Install buckfleet') return false;
  expect(step.run).toBe(`npm install --global --no-audit --no-fund buckfleet@${VERSION}`);
  return true;
}

function baseEnv(bin: string): Record<string, string> {
  return {
    PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    HOME: tmp,
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    LOG_LEVEL: 'warn',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_CONFIG_NOSYSTEM: '1',
    DIGITALOCEAN_API_URL: cloud.url,
    BUCKFLEET_MODULES_DIR: join(ROOT, 'test/e2e/modules'),
  };
}

/** Paid up to now, so billing says both tenants run and the plan has work to show. */
const fleetNow = () => validFleetFiles({ now: new Date(Math.floor(Date.now() / 1000) * 1000).toISOString().replace('.000Z', 'Z') });
const withoutDedicated = () => Object.fromEntries([...fleetNow()].filter(([path]) => !path.startsWith(`tenants/${DEDICATED_TENANT}/`)));

describe('plan.yml, run as the runner would', () => {
  // Two full job runs, each starting buckfleet from sources three times: slow on a busy CI machine.
  it('validates the PR, plans the checkout (not main) into one PR comment edited on each push, and sets the status', { timeout: 120_000 }, async (ctx) => {
    const db = await testDatabase(ctx);
    const pr = await openPr(withoutDedicated(), Object.fromEntries(fleetNow()));

    const first = await runPlan(ctx, pr, db.url);

    expect(first.run.results.map((r) => [r.step.name ?? r.step.uses, r.outcome])).toEqual([
      ['actions/checkout@v4', 'success'],
      ['actions/setup-node@v4', 'success'],
      ['Install buckfleet', 'success'],
      ['Validate the fleet', 'success'],
      ['Check the secrets and write the keys', 'success'],
      ['Plan', 'success'],
      ['Comment and status', 'success'],
    ]);
    expect(first.step('validate').output).toMatch(/^fleet "[a-z-]+" is valid: 2 tenants, 1 host, 2 modules$/m);
    const plan = await readFile(join(first.run.runnerTemp, 'plan.md'), 'utf8');
    const checkoutHead = await git(pr.workspace, 'rev-parse', 'HEAD');
    // The checkout's commit, and the tenant only the PR has: the plan is of the PR, not of main.
    expect(plan).toContain(`### buckfleet plan for \`${checkoutHead.slice(0, 12)}\``);
    // A shared host, a tenant on it and a dedicated tenant, from nothing: droplets, waits, databases, migrations, stacks.
    expect(plan).toContain('**4 to create, 6 to change, 0 to remove**');
    for (const owner of [SHARED_TENANT, DEDICATED_TENANT, `host:${SHARED_HOST}`]) expect(plan).toContain(`<summary><code>${owner}</code></summary>`);
    expect(plan).toContain('+ droplet.create:');
    expect(await readFile(join(first.run.runnerTemp, '_step_summary'), 'utf8')).toBe(plan);
    expect(github.comments).toHaveLength(1);
    expect(github.comments[0]!.body).toBe(`<!-- buckfleet:plan -->\n${plan.trim()}\n\n<sub>[workflow run](https://github.com/acme/fleet/actions/runs/42)</sub>\n`);
    expect(github.statuses).toEqual([{ sha: pr.head, state: 'success', context: 'buckfleet/plan', description: '4 to create, 6 to change, 0 to remove', targetUrl: 'https://github.com/acme/fleet/actions/runs/42' }]);
    expect(cloud.droplets()).toEqual([]); // a plan changes nothing

    // A second push that breaks a tenant: the same comment now says why, naming the file.
    const broken = await pushToPr(pr.workspace, { [tenantFile(DEDICATED_TENANT)]: fleetNow().get(tenantFile(DEDICATED_TENANT))!.replace('plan: pro', 'plan: platinum') });
    const second = await runPlan(ctx, pr, db.url);

    expect(second.step('validate').outcome).toBe('failure');
    expect(second.step('validate').output).toContain(`${tenantFile(DEDICATED_TENANT)}:`);
    expect(second.step('validate').output).toMatch(/fleet is invalid: \d+ problems?$/m);
    expect(second.step('plan').outcome).toBe('skipped');
    expect(second.run.results.at(-1)!.outcome).toBe('success'); // the comment still goes out
    expect(github.comments).toHaveLength(1);
    expect(github.comments[0]!.body).toContain('**The fleet does not validate.**');
    expect(github.comments[0]!.body).toContain(`${tenantFile(DEDICATED_TENANT)}:`);
    expect(github.statuses.at(-1)).toMatchObject({ sha: broken, state: 'failure', context: 'buckfleet/plan', description: 'the fleet does not validate' });
  });

  it('stops before planning when a secret is missing, naming it', { timeout: 60_000 }, async (ctx) => {
    const db = await testDatabase(ctx);
    const pr = await openPr(withoutDedicated(), Object.fromEntries(fleetNow()));

    const { step, run } = await runPlan(ctx, pr, db.url, { 'secrets.SSH_PRIVATE_KEY': '' });

    const keys = run.results.find((r) => r.step.name === 'Check the secrets and write the keys')!;
    expect(keys.outcome).toBe('failure');
    expect(keys.output).toContain('SSH_PRIVATE_KEY: the SSH_PRIVATE_KEY secret is not set');
    expect(step('plan').outcome).toBe('skipped');
    // Validation passed and planning did not happen: the comment says the plan failed.
    expect(github.comments[0]!.body).toContain('**The plan failed**');
    expect(github.statuses.at(-1)).toMatchObject({ state: 'error', description: 'buckfleet plan failed' });
  });
});

describe('apply.yml, run as the runner would', () => {
  it('writes the keys from the secrets, owner-only, and reconciles main of the repo init wrote', { timeout: 60_000 }, async (ctx) => {
    const db = await testDatabase(ctx);
    // The fleet exactly as `buckfleet init` writes it, as main of the fleet repo.
    await github.seed('main', Object.fromEntries(FILES));
    const workspace = join(tmp, 'workspace');
    await execa('git', ['clone', '-q', `file://${github.gitDir}`, workspace]);
    const fleetRepo = join(tmp, 'fleet.git');
    await execa('git', ['clone', '-q', '--bare', `file://${github.gitDir}`, fleetRepo]);
    const ageIdentity = await generateX25519Identity();

    const run = await runJob(APPLY, 'apply', {
      workspace,
      runnerTemp: join(tmp, 'runner'),
      context: {
        'github.repository': fleetRepo,
        'github.token': github.token,
        'secrets.DATABASE_URL': db.url,
        'secrets.DIGITALOCEAN_TOKEN': cloud.token,
        'secrets.SSH_PRIVATE_KEY': sshKey,
        'secrets.AGE_IDENTITY': ageIdentity,
      },
      baseEnv: baseEnv(await buckfleetOnPath(join(tmp, 'bin'))),
      conditions: {},
      standIn: installStandIn,
      uses: (step) => (step.uses === 'actions/checkout@v4' || step.uses === 'actions/setup-node@v4' ? Promise.resolve('success') : Promise.reject(new Error(`no stand-in for ${step.uses}`))),
    });
    ctx.onTestFailed(() => {
      for (const r of run.results) console.info(`--- ${r.step.name ?? r.step.uses}: ${r.outcome}\n${r.output}`);
    });

    expect(run.results.map((r) => r.outcome)).toEqual(['success', 'success', 'success', 'success', 'success', 'success']);
    const keys = join(tmp, 'runner', 'buckfleet-keys');
    expect(run.env).toEqual({
      SSH_PRIVATE_KEY_FILE: join(keys, 'ssh_ed25519'),
      AGE_IDENTITY_FILE: join(keys, 'age-identity.txt'),
      BUCKFLEET_HOME: join(tmp, 'runner', 'buckfleet'),
    });
    // The key as the secret holds it (a trailing newline more or less is the same key to ssh).
    expect((await readFile(join(keys, 'ssh_ed25519'), 'utf8')).trimEnd()).toBe(sshKey.trimEnd());
    expect(await readFile(join(keys, 'age-identity.txt'), 'utf8')).toBe(`${ageIdentity}\n`);
    expect((await stat(join(keys, 'ssh_ed25519'))).mode & 0o777).toBe(0o600);
    const main = (await github.head('main'))!;
    expect(run.results.at(-1)!.output.trim().split('\n').at(-1)).toBe(`main ${main.slice(0, 12)}: 0 owners reconciled`);
  });

  it('never runs two applies at once, and never cancels one', () => {
    expect(APPLY.concurrency).toEqual({ group: 'apply', 'cancel-in-progress': false });
    expect(PLAN.concurrency).toEqual({ group: 'plan-${{ github.event.pull_request.number }}', 'cancel-in-progress': true });
    expect(substitute(PLAN.concurrency.group, { 'github.event.pull_request.number': '7' })).toBe('plan-7');
  });
});
