import { execFileSync } from 'node:child_process';
import { afterEach, expect, it } from 'vitest';
import { makeTempBareRepo, type TempBareRepo } from '../test/git.js';
import { fleetFiles, validFleetManifests } from '../test/fleet-fixtures.js';
import { ChangeRejectedError } from './changes/index.js';
import { MAIN } from './repo/types.js';
import { submitChange } from './submit.js';

/**
 * A tenant name that tries SQL, shell or path injection never gets as far as a database or a
 * compose project: the slug schema refuses it when the change request is made, with a clear
 * error, and nothing is written to the fleet repo (no branch, no PR, main unchanged).
 */
let temp: TempBareRepo | undefined;
afterEach(async () => {
  await temp?.cleanup();
  temp = undefined;
});

const HOSTILE_SLUGS = [
  'x"; DROP DATABASE postgres; --',
  "shop'; DROP ROLE postgres; --",
  'shop$(touch /tmp/pwned)',
  'shop`id`',
  'shop-${HOME}',
  'shop\nnext',
  '../../etc',
  'Shop_Upper',
];

it.each(HOSTILE_SLUGS)('refuses tenant.create with slug %j, and writes nothing', async (slug) => {
  const m = validFleetManifests();
  m.fleet.mergePolicy = { default: 'auto' };
  temp = await makeTempBareRepo(Object.fromEntries(fleetFiles(m)));
  const refsBefore = execFileSync('git', ['-C', temp.gitDir, 'for-each-ref'], { encoding: 'utf8' });
  const deps = { repo: temp.repo, prs: temp.repo, now: () => new Date('2026-03-16T12:00:00.000Z') };
  const refusal = await submitChange(deps, {
    id: 'hostile',
    kind: 'tenant.create',
    requestedBy: { type: 'telegram', userId: 200_001 },
    slug,
    owner: { telegramUserId: 200_001 },
    plan: 'basic',
  }).catch((e: unknown) => e);
  expect(refusal).toBeInstanceOf(ChangeRejectedError);
  expect((refusal as Error).message).toMatch(/^invalid change request: slug: must be 3-32 characters of a-z, 0-9 and "-"/);
  expect(execFileSync('git', ['-C', temp.gitDir, 'for-each-ref'], { encoding: 'utf8' })).toBe(refsBefore);
  expect(await temp.repo.listOpen()).toEqual([]);
  expect(refsBefore).toContain(`refs/heads/${MAIN}`);
});
