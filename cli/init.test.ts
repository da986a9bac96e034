import { execFileSync } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FleetConfig } from '../fleet/schema/index.js';
import { run } from './main.js';
import { captureIo, tempDir } from './testing.js';

let dir: string;

beforeEach(async () => {
  dir = await tempDir('init');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();

const WRITTEN = [
  'fleet.yaml',
  'README.md',
  '.github/workflows/plan.yml',
  '.github/workflows/apply.yml',
  '.vscode/settings.json',
  'tenants/.gitkeep',
  'hosts/.gitkeep',
  'catalog/.gitkeep',
  'schema/fleet.schema.json',
  'schema/tenant.schema.json',
  'schema/billing.schema.json',
  'schema/secrets.schema.json',
  'schema/host.schema.json',
  'schema/catalog.schema.json',
];

describe('buckfleet init', () => {
  it('writes a fleet repo that validates, committed on main', async () => {
    const io = captureIo(dir);

    expect(await run(['init', 'acme-fleet'], io)).toBe(0);

    expect(io.out()).toEqual([
      'created fleet "acme-fleet" in acme-fleet:',
      ...WRITTEN.map((f) => `  ${f}`),
      'git: initialized a repository on main and committed the files as "buckfleet init" (no git identity is configured)',
      'check it with: buckfleet validate acme-fleet',
    ]);
    const validate = captureIo(dir);
    expect(await run(['validate', 'acme-fleet'], validate)).toBe(0);
    expect(validate.out()).toEqual(['fleet "acme-fleet" is valid: 0 tenants, 0 hosts, 0 modules']);

    const repo = join(dir, 'acme-fleet');
    expect(git(repo, 'branch', '--show-current')).toBe('main');
    expect(git(repo, 'log', '--format=%s')).toBe('Start the fleet repo (buckfleet init)');
    expect(git(repo, 'status', '--porcelain')).toBe('');
    expect(git(repo, 'ls-files').split('\n').sort()).toEqual([...WRITTEN].sort());
  });

  it('writes the default plan and merge policy', async () => {
    await run(['init', 'acme'], captureIo(dir));
    const config = FleetConfig.parse(parse(await readFile(join(dir, 'acme/fleet.yaml'), 'utf8')));

    expect(config.name).toBe('acme');
    expect(config.plans).toEqual({
      basic: { title: 'Basic', price: { amount: 900, currency: 'usd' }, interval: 'month', placement: 'shared', maxModules: 10 },
    });
    expect(config.mergePolicy).toEqual({
      default: 'review',
      kinds: { 'tenant.create': 'auto', 'billing.record': 'auto', 'module.install': 'auto', 'tenant.suspend': 'auto', 'tenant.resume': 'auto' },
    });
  });

  it('wires the PR workflow to this version of buckfleet, and the editor to the schemas', async () => {
    await run(['init', 'acme'], captureIo(dir));
    const { version } = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    const workflow = await readFile(join(dir, 'acme/.github/workflows/plan.yml'), 'utf8');
    const settings = JSON.parse(await readFile(join(dir, 'acme/.vscode/settings.json'), 'utf8')) as Record<string, unknown>;

    expect(parse(workflow)).toMatchObject({ on: { pull_request: { branches: ['main'] } } });
    expect(workflow).toContain(`run: npm install --global --no-audit --no-fund buckfleet@${version}`);
    expect(workflow).toContain('node-version: 20');
    const apply = await readFile(join(dir, 'acme/.github/workflows/apply.yml'), 'utf8');
    expect(parse(apply)).toMatchObject({ on: { push: { branches: ['main'] } }, concurrency: { group: 'apply', 'cancel-in-progress': false } });
    expect(apply).toContain(`run: npm install --global --no-audit --no-fund buckfleet@${version}`);
    expect(settings['yaml.schemas']).toEqual({
      './schema/fleet.schema.json': ['/fleet.yaml'],
      './schema/tenant.schema.json': ['/tenants/*/tenant.yaml'],
      './schema/billing.schema.json': ['/tenants/*/billing.yaml'],
      './schema/secrets.schema.json': ['/tenants/*/secrets.age'],
      './schema/host.schema.json': ['/hosts/*.yaml'],
      './schema/catalog.schema.json': ['/catalog/*.yaml'],
    });
  });

  it('runs validate, then plan of the checkout, on pull requests; reconcile --once on main', async () => {
    await run(['init', 'acme'], captureIo(dir));
    const runs = async (file: string) => {
      const doc = parse(await readFile(join(dir, 'acme/.github/workflows', file), 'utf8')) as { jobs: Record<string, { steps: { run?: string }[] }> };
      return Object.values(doc.jobs).flatMap((job) => job.steps.flatMap((step) => (step.run ?? '').split('\n').filter((line) => line.startsWith('buckfleet '))));
    };

    expect(await runs('plan.yml')).toEqual(['buckfleet validate . 2>&1 | tee "$RUNNER_TEMP/validate.log"', 'buckfleet plan --markdown --dir . > "$RUNNER_TEMP/plan.md"']);
    expect(await runs('apply.yml')).toEqual(['buckfleet validate .', 'buckfleet reconcile --once']);
    // The fleet's README tells the owner which secrets the workflows read.
    const readme = await readFile(join(dir, 'acme/README.md'), 'utf8');
    for (const secret of ['DATABASE_URL', 'TENANT_DATABASE_URL', 'DIGITALOCEAN_TOKEN', 'SSH_PRIVATE_KEY', 'AGE_IDENTITY']) expect(readme).toContain(`| \`${secret}\` |`);
  });

  it('refuses a directory that already has a fleet.yaml', async () => {
    await run(['init', 'acme'], captureIo(dir));
    const io = captureIo(dir);

    expect(await run(['init', 'acme'], io)).toBe(1);

    expect(io.err()).toEqual(['buckfleet: acme already has a fleet.yaml: init starts a new fleet repo and never changes one']);
    expect(io.out()).toEqual([]);
  });

  it('names the fleet with --name when the folder name is not a slug, and says so otherwise', async () => {
    const refused = captureIo(dir);
    expect(await run(['init', 'My Fleet'], refused)).toBe(2);
    expect(refused.err()).toEqual([
      'buckfleet: the folder name "My Fleet" is not a valid fleet name (it must be 3-32 characters of a-z, 0-9 and "-", start with a letter and not end with "-"); pass --name <slug>',
    ]);

    const io = captureIo(dir);
    expect(await run(['init', 'My Fleet', '--name', 'my-fleet'], io)).toBe(0);
    expect(io.out().at(-1)).toBe("check it with: buckfleet validate 'My Fleet'");
    const validate = captureIo(dir);
    expect(await run(['validate', 'My Fleet'], validate)).toBe(0);
    expect(validate.out()).toEqual(['fleet "my-fleet" is valid: 0 tenants, 0 hosts, 0 modules']);
  });

  it('keeps existing files and does not commit in an existing repository', async () => {
    const repo = join(dir, 'fleet');
    await mkdir(repo);
    git(repo, 'init', '-q', '-b', 'trunk');
    await writeFile(join(repo, 'README.md'), '# ours\n');
    const io = captureIo(repo);

    expect(await run(['init', '--name', 'acme'], io)).toBe(0);

    expect(io.out()).toContain('  README.md (kept the existing file)');
    expect(io.out()).toContain('git: already a repository, so nothing was committed; review and commit the new files');
    expect(await readFile(join(repo, 'README.md'), 'utf8')).toBe('# ours\n');
    expect(git(repo, 'rev-list', '--all')).toBe('');
    expect(await run(['validate'], captureIo(repo))).toBe(0);
  });
});
