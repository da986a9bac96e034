import { execFileSync } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { run } from './main.js';
import { captureIo, tempDir, VALID_FLEET, writeTree } from './testing.js';

let dir: string;

beforeEach(async () => {
  dir = await tempDir('tenant');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=test', '-c', 'user.email=test@localhost', ...args], { cwd, encoding: 'utf8' });

/** A non-bare repo at `dir/work` with the fleet committed on main, and its bare clone at `dir/fleet.git`. */
async function fleetRepos(files: Readonly<Record<string, string>>) {
  const work = join(dir, 'work');
  await mkdir(work);
  git(work, 'init', '-q', '-b', 'main');
  await writeTree(work, files);
  git(work, 'add', '-A');
  git(work, 'commit', '-q', '-m', 'fleet');
  git(dir, 'clone', '-q', '--bare', work, 'fleet.git');
  return { work, bare: join(dir, 'fleet.git') };
}

const TABLE = [
  'SLUG   OWNER             PLAN   PLACEMENT                   STATUS     PAID THROUGH  MODULES',
  'acme   111 @acme_owner   basic  shared:h-one                active     2026-12-01    core@1.2.0, welcome@0.3.1',
  'beta   222               pro    dedicated:fra1/s-1vcpu-1gb  past_due   -             core@1.2.0',
  'gamma  333 @gamma_owner  basic  shared:h-one                suspended  2026-11-01    core@1.1.0',
];

describe('buckfleet tenant list', () => {
  it('prints a table of a checkout with --dir', async () => {
    await writeTree(join(dir, 'fleet'), VALID_FLEET);
    const io = captureIo(dir);

    expect(await run(['tenant', 'list', '--dir', 'fleet'], io)).toBe(0);

    expect(io.out()).toEqual(TABLE);
    expect(io.err()).toEqual([]);
  });

  it('prints JSON with --json', async () => {
    await writeTree(join(dir, 'fleet'), VALID_FLEET);
    const io = captureIo(dir);

    expect(await run(['tenant', 'list', '--dir', 'fleet', '--json'], io)).toBe(0);

    const tenants = JSON.parse(io.out().join('\n')) as unknown[];
    expect(tenants).toHaveLength(3);
    expect(tenants[0]).toEqual({
      slug: 'acme',
      displayName: null,
      owner: { telegramUserId: 111, username: 'acme_owner' },
      plan: 'basic',
      placement: { type: 'shared', host: 'h-one' },
      status: 'active',
      paidThrough: '2026-12-01T00:00:00Z',
      modules: [
        { name: 'core', version: '1.2.0', channel: 'notify' },
        { name: 'welcome', version: '0.3.1', channel: 'auto' },
      ],
    });
  });

  it('reads main of FLEET_REPO: a bare repo, a non-bare one, and the default in BUCKFLEET_HOME', async () => {
    const { work, bare } = await fleetRepos(VALID_FLEET);
    // Uncommitted changes in the work tree are not main: they must not show.
    await rm(join(work, 'tenants/gamma'), { recursive: true });

    const envs: Record<string, string>[] = [{ FLEET_REPO: bare }, { FLEET_REPO: './work' }, { FLEET_REPO: `file://${bare}` }, { BUCKFLEET_HOME: dir }];
    for (const env of envs) {
      const io = captureIo(dir, env);
      expect(await run(['tenant', 'list'], io), JSON.stringify(env)).toBe(0);
      expect(io.out()).toEqual(TABLE);
    }
  });

  it('says so when the fleet has no tenants', async () => {
    await writeTree(join(dir, 'fleet'), { 'fleet.yaml': VALID_FLEET['fleet.yaml']! });
    const io = captureIo(dir);
    expect(await run(['tenant', 'list', '--dir', 'fleet'], io)).toBe(0);
    expect(io.out()).toEqual(['fleet "acme" has no tenants yet']);
    const json = captureIo(dir);
    expect(await run(['tenant', 'list', '--dir', 'fleet', '--json'], json)).toBe(0);
    expect(json.out()).toEqual(['[]']);
  });

  it('reports an invalid fleet with the lines validate prints, exit 1', async () => {
    const { work, bare } = await fleetRepos({ ...VALID_FLEET, 'tenants/acme/billing.yaml': 'status: paid\npaidThrough: null\n' });
    const validate = captureIo(dir);
    expect(await run(['validate', work], validate)).toBe(1);
    const io = captureIo(dir, { FLEET_REPO: bare });

    expect(await run(['tenant', 'list'], io)).toBe(1);

    expect(io.out()).toEqual(validate.out());
    expect(io.out()[0]).toMatch(/^tenants\/acme\/billing\.yaml:1: status: /);
    expect(io.out().at(-1)).toBe('fleet is invalid: 1 problem');
  });

  it('fails in one line when FLEET_REPO is not a git repo or has no main', async () => {
    const missing = captureIo(dir, { FLEET_REPO: join(dir, 'nope.git') });
    expect(await run(['tenant', 'list'], missing)).toBe(1);
    expect(missing.err()).toEqual([`buckfleet: no git repository at ${join(dir, 'nope.git')} (FLEET_REPO, default <BUCKFLEET_HOME>/fleet.git)`]);

    git(dir, 'init', '-q', '--bare', '-b', 'main', 'empty.git');
    const empty = captureIo(dir, { FLEET_REPO: './empty.git' });
    expect(await run(['tenant', 'list'], empty)).toBe(1);
    expect(empty.err()).toEqual([`buckfleet: the fleet repo at ${join(dir, 'empty.git')} has no main branch yet`]);
  });

  it('reports configuration problems one line each, without values', async () => {
    const io = captureIo(dir, { PORT: 'eighty', STRIPE_SECRET_KEY: 'sk_live_do_not_print' });
    expect(await run(['tenant', 'list'], io)).toBe(1);
    expect(io.err()).toEqual([
      'buckfleet: PORT: must be a TCP port number (0-65535; 0 picks a free one)',
      'buckfleet: STRIPE_WEBHOOK_SECRET: is required with STRIPE_SECRET_KEY: payments are confirmed by signed webhooks',
    ]);
    expect(io.err().join('\n')).not.toContain('do_not_print');
  });
});
