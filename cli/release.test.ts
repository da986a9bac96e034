import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it, type TestContext } from 'vitest';
import { loadFleet } from '../fleet/load/index.js';
import { LocalFleetRepo } from '../fleet/repo/local/index.js';
import { MAIN } from '../fleet/repo/types.js';
import { submitChange } from '../fleet/submit.js';
import { makeTempBareRepo } from '../test/git.js';
import { makeModulesRepo, releaseFleetFiles, tagCoreReleases } from '../test/modules-repo.js';
import { testDatabase } from '../test/pg/database.js';
import { run } from './main.js';
import { captureIo } from './testing.js';

/** The simple renderer's lines: started, output, done, failed. */
const PROGRESS = /^[❯›✔✖] /;

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups) await c();
  cleanups = [];
});

async function setup(ctx: TestContext) {
  const db = await testDatabase(ctx);
  const modules = await makeModulesRepo();
  const fleet = await makeTempBareRepo(releaseFleetFiles({ admin: 900 }));
  cleanups.push(modules.cleanup, fleet.cleanup);
  await tagCoreReleases(modules);
  const env = { DATABASE_URL: db.url, FLEET_REPO: fleet.gitDir, USER: 'release-bot' };
  const cli = async (...argv: string[]) => {
    const io = captureIo(modules.dir, env);
    const code = await run(argv, io);
    // listr2's plain lines (not a TTY) come first; the result lines after them.
    const progress = io.out().filter((l) => PROGRESS.test(l));
    return { code, out: io.out().filter((l) => !PROGRESS.test(l)), err: io.err(), progress };
  };
  const versions = async () => {
    const repo = await LocalFleetRepo.open(fleet.gitDir);
    const loaded = loadFleet(await repo.read((await repo.head(MAIN))!));
    if (!loaded.ok) throw new Error('invalid fleet');
    return Object.fromEntries([...loaded.fleet.tenants].map(([s, r]) => [s, r.tenant.modules.core?.version]));
  };
  const refs = () => execFileSync('git', ['--git-dir', fleet.gitDir, 'for-each-ref', '--format=%(refname) %(objectname)'], { encoding: 'utf8' });
  return { db, modules, fleet, cli, versions, refs };
}

describe('buckfleet release / rollout advance / rollback', () => {
  it('releases a tag from the modules repo (cwd), then again with no change; rollback opens the revert PR', async (ctx) => {
    const w = await setup(ctx);

    const first = await w.cli('release', 'core@1.1.0');
    expect(first.err).toEqual([]);
    expect(first.code).toBe(0);
    expect(first.out[0]).toBe('core@1.1.0: valid (ghcr.io/acme/core:1.1.0)');
    expect(first.out[1]).toMatch(/^catalog: PR #1 merged local:/);
    expect(first.out[2]).toMatch(/^auto tenants: PR #2 merged local:/);
    expect(first.out.slice(3)).toEqual(['notify tenants told now: nick, nora']);
    // The progress came first, step by step, as plain lines.
    expect(first.progress).toEqual([
      '❯ open the fleet repo and the control database',
      '✔ open the fleet repo and the control database',
      '❯ release core@1.1.0',
      expect.stringMatching(/^› reading the tags of \//),
      '› change merged (module.release, PR #1)',
      '› change merged (module.update, PR #2)',
      '› release processed',
      '✔ release core@1.1.0',
    ]);
    expect(first.out.length + first.progress.length).toBe(12);
    expect(await w.versions()).toEqual({ alpha: '1.1.0', bravo: '1.1.0', charlie: '1.0.0', nick: '1.0.0', nora: '1.0.0' });
    expect((await w.db.pool.query('SELECT count(*)::int AS n FROM outbox')).rows).toEqual([{ n: 2 }]);

    const refs = w.refs();
    const second = await w.cli('release', 'core@1.1.0', '--repo', '.');
    expect(second.code).toBe(0);
    expect(second.out.slice(1)).toEqual([
      expect.stringMatching(/^catalog: PR #1 merged \(from an earlier run\)/),
      expect.stringMatching(/^auto tenants: PR #2 merged \(from an earlier run\)/),
      'notify tenants told now: none; told before: nick, nora',
    ]);
    expect(w.refs()).toBe(refs);
    expect((await w.db.pool.query('SELECT count(*)::int AS n FROM outbox')).rows).toEqual([{ n: 2 }]);

    expect(await w.cli('rollout', 'advance')).toMatchObject({ code: 0, out: ['no rollout in its canary stage'], err: [] });

    const rollback = await w.cli('rollback', '2');
    expect(rollback.code).toBe(0);
    expect(rollback.out).toEqual([expect.stringMatching(/^revert of PR #2: PR #3 open local:/)]);
    expect(await w.versions()).toMatchObject({ alpha: '1.1.0' }); // waits for review
    expect((await w.cli('rollback', '2')).out).toEqual([expect.stringMatching(/^revert of PR #2: PR #3 open \(opened before\)/)]);
  });

  it('says what is wrong: an invalid tag (file and reason), a missing tag, a PR that is not merged or does not exist, bad arguments', async (ctx) => {
    const w = await setup(ctx);
    await w.modules.commit({ 'modules/core/module.yaml': 'name: core\n' });
    w.modules.tag('core@1.2.0');

    const invalid = await w.cli('release', 'core@1.2.0');
    expect(invalid.code).toBe(1);
    expect(invalid.err).toEqual([
      'buckfleet: core@1.2.0: modules/core/module.yaml: title: Invalid input: expected object, received undefined',
      'buckfleet: core@1.2.0: modules/core/module.yaml: description: Invalid input: expected object, received undefined',
      'buckfleet: core@1.2.0: modules/core/module.yaml: image: Invalid input: expected string, received undefined',
    ]);
    const missing = await w.cli('release', 'core@9.0.0');
    expect(missing).toMatchObject({ code: 1, err: [expect.stringMatching(/^buckfleet: there is no tag core@9\.0\.0 in .*; create it with `git tag -a core@9\.0\.0/)] });
    expect(await w.cli('release', 'core-1.2.0')).toMatchObject({ code: 2, err: ['buckfleet: "core-1.2.0" is not a release tag <module>@<version>'] });

    expect(await w.cli('rollback', '7')).toMatchObject({ code: 1, err: ['buckfleet: there is no PR #7 in the fleet repo'] });
    expect(await w.cli('rollback', 'x')).toMatchObject({ code: 2, err: ['buckfleet: "x" is not a PR number'] });
    await w.cli('release', 'core@1.1.0');
    // Reverting the catalog record while tenants run 1.1.0 would leave them pinning an unknown version.
    expect(await w.cli('rollback', '1')).toMatchObject({ code: 1, err: [expect.stringMatching(/^buckfleet: reverting PR #1 would make the fleet invalid: .*core@1\.1\.0 is not released/)] });
    const repo = await LocalFleetRepo.open(w.fleet.gitDir);
    const open = await submitChange({ repo, prs: repo, now: () => new Date() }, { kind: 'tenant.update', id: 'rename', requestedBy: { type: 'cli', user: 'ops' }, slug: 'alpha', displayName: 'A' });
    expect(open.status).toBe('open');
    expect(await w.cli('rollback', '3')).toMatchObject({ code: 1, err: ['buckfleet: PR #3 is open, not merged: only a merged change can be rolled back (close it instead)'] });
  });
});
