import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeGitHubFleetRepo } from '../test/fake-github/adapter.js';
import { startFakeGitHub } from '../test/fake-github/index.js';
import { fleetFiles, validFleetManifests, DEDICATED_TENANT } from '../test/fleet-fixtures.js';
import { makeTempBareRepo, type TempBareRepo } from '../test/git.js';
import { approveChange } from './approve.js';
import { loadFleet } from './load/index.js';
import { MAIN } from './repo/types.js';
import { revertChange, RevertError, revertEdits } from './revert.js';
import { submitChange } from './submit.js';

const files = (entries: Record<string, string>) => new Map(Object.entries(entries));
const tenant = (version: string, name?: string) =>
  `slug: acme\n${name ? `displayName: ${name}\n` : ''}owner: { telegramUserId: 1 }\nplan: basic\nplacement: { type: dedicated, region: fra1, size: s-1vcpu-1gb }\nmodules:\n  core: { version: ${version} }\ncreatedAt: "2026-01-01T00:00:00Z"\n`;
const PATH = 'tenants/acme/tenant.yaml';

describe('revertEdits (pure)', () => {
  it('puts back an untouched file as it was, removes an added one, restores a removed one', () => {
    const plan = revertEdits(files({ [PATH]: tenant('1.0.0'), 'hosts/old.yaml': 'x' }), files({ [PATH]: tenant('1.1.0'), 'hosts/new.yaml': 'y' }), files({ [PATH]: tenant('1.1.0'), 'hosts/new.yaml': 'y' }));
    expect(plan).toEqual({
      edits: [
        { path: 'hosts/new.yaml', content: null },
        { path: 'hosts/old.yaml', content: 'x' },
        { path: PATH, content: tenant('1.0.0') },
      ],
      conflicts: [],
    });
  });

  it('reverts only what the change changed when main edited the same manifest since', () => {
    const plan = revertEdits(files({ [PATH]: tenant('1.0.0') }), files({ [PATH]: tenant('1.1.0') }), files({ [PATH]: tenant('1.1.0', 'Acme') }));
    expect(plan.conflicts).toEqual([]);
    expect(plan.edits[0]?.content).toMatch(/displayName: Acme/);
    expect(plan.edits[0]?.content).toMatch(/core:\n\s+version: 1\.0\.0/);
  });

  it('a value main changed again is a conflict; a change already undone plans nothing', () => {
    expect(revertEdits(files({ [PATH]: tenant('1.0.0') }), files({ [PATH]: tenant('1.1.0') }), files({ [PATH]: tenant('1.2.0') }))).toEqual({ edits: [], conflicts: [PATH] });
    expect(revertEdits(files({ [PATH]: tenant('1.0.0') }), files({ [PATH]: tenant('1.1.0') }), files({ [PATH]: tenant('1.0.0') }))).toEqual({ edits: [], conflicts: [] });
  });
});

describe('revertChange on a local repo', () => {
  let temp: TempBareRepo | undefined;
  afterEach(async () => temp?.cleanup());

  it('refuses an open PR and a missing one, with the reason', async () => {
    const m = validFleetManifests();
    m.fleet.mergePolicy = { default: 'review', kinds: {} };
    temp = await makeTempBareRepo(Object.fromEntries(fleetFiles(m)));
    const deps = { repo: temp.repo, prs: temp.repo, now: () => new Date('2026-03-16T12:00:00Z') };
    const cli = { type: 'cli', user: 'ops' } as const;
    const open = await submitChange(deps, { kind: 'module.update', id: 'u1', requestedBy: cli, module: 'core', version: '1.1.0', tenants: [DEDICATED_TENANT] });
    if (open.status !== 'open') throw new Error('expected an open PR');

    const notMerged = await revertChange({ ...deps, requestedBy: cli }, open.pr.number).catch((e: unknown) => e);
    expect(notMerged).toBeInstanceOf(RevertError);
    expect(notMerged).toMatchObject({ reason: 'not_merged', message: `PR #${open.pr.number} is open, not merged: only a merged change can be rolled back (close it instead)` });
    await expect(revertChange({ ...deps, requestedBy: cli }, 42)).rejects.toMatchObject({ reason: 'not_found' });
  });
});

describe('revertChange on GitHub (octokit against the fake GitHub)', () => {
  it('reverts a PR that was merged after main was merged into it, keeping what landed meanwhile', async () => {
    const fake = await startFakeGitHub();
    const mirrorDir = await mkdtemp(join(tmpdir(), 'gh-mirror-'));
    try {
      const m = validFleetManifests();
      m.fleet.mergePolicy = { default: 'review', kinds: { 'billing.record': 'auto' } };
      await fake.seed('main', Object.fromEntries(fleetFiles(m)));
      const repo = fakeGitHubFleetRepo(fake, mirrorDir);
      const deps = { repo, prs: repo, now: () => new Date('2026-03-16T12:00:00Z') };
      const cli = { type: 'cli', user: 'ops' } as const;
      const core = async () => {
        const loaded = loadFleet(await repo.read((await repo.head(MAIN))!));
        if (!loaded.ok) throw new Error('invalid fleet');
        return { version: loaded.fleet.tenants.get(DEDICATED_TENANT)?.tenant.modules.core?.version, periods: loaded.fleet.tenants.get(DEDICATED_TENANT)?.billing.periods.length };
      };
      const before = await core();
      const update = await submitChange(deps, { kind: 'module.update', id: 'u1', requestedBy: cli, module: 'core', version: '1.1.0', tenants: [DEDICATED_TENANT] });
      if (update.status !== 'open') throw new Error('expected an open PR');
      // main moves while the update waits for review, so the approval merges main into it first.
      await submitChange(deps, {
        kind: 'billing.record',
        id: 'b1',
        requestedBy: cli,
        slug: DEDICATED_TENANT,
        record: { periods: [{ id: 'in_9', start: '2026-03-30T00:00:00Z', end: '2026-04-30T00:00:00Z', source: 'stripe', amount: { amount: 2000, currency: 'usd' } }] },
      });
      await approveChange(deps, update.pr.number);
      expect(await core()).toEqual({ version: '1.1.0', periods: (before.periods ?? 0) + 1 });

      const revert = await revertChange({ ...deps, requestedBy: cli }, update.pr.number);
      expect(revert.pr.state).toBe('open');
      await approveChange(deps, revert.pr.number);

      expect(await core()).toEqual({ version: before.version, periods: (before.periods ?? 0) + 1 });
      expect(fake.requests.some((r) => r.method === 'GET' && /\/git\/commits\/[0-9a-f]{40}$/.test(r.path))).toBe(true);
    } finally {
      await fake.close();
      await rm(mirrorDir, { recursive: true, force: true });
    }
  });
});
