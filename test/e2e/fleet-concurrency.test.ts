import { afterEach, expect, it } from 'vitest';
import type { ChangeRequestInput } from '../../fleet/changes/index.js';
import { loadFleet } from '../../fleet/load/index.js';
import { LocalFleetRepo } from '../../fleet/repo/local/index.js';
import { MAIN } from '../../fleet/repo/types.js';
import { submitChange } from '../../fleet/submit.js';
import { fleetFiles, SHARED_HOST, validFleetManifests } from '../fleet-fixtures.js';
import { makeTempBareRepo, type TempBareRepo } from '../git.js';

let temp: TempBareRepo | undefined;
afterEach(async () => {
  await temp?.cleanup();
  temp = undefined;
});

const WRITERS = 50;

/** A handle whose writers do not take turns, as with several processes on GitHub: only compare-and-swap guards main. */
function unlocked(repo: LocalFleetRepo): LocalFleetRepo {
  return new Proxy(repo, {
    get(target, prop, receiver) {
      if (prop === 'withWriteLock') return <T>(fn: () => Promise<T>) => fn();
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

it(`lands ${WRITERS} purchases made in the same second: none lost, none clobbered, every host within capacity`, async () => {
  const m = validFleetManifests();
  m.fleet.mergePolicy = { default: 'auto' };
  temp = await makeTempBareRepo(Object.fromEntries(fleetFiles(m)));
  const gitDir = temp.gitDir;
  const now = () => new Date('2026-03-16T12:00:00.000Z');

  const outcomes = await Promise.all(
    Array.from({ length: WRITERS }, async (_, i) => {
      // Each writer has its own repo handle, as separate bot and webhook workers would.
      const repo = await LocalFleetRepo.open(gitDir);
      const input: ChangeRequestInput = {
        id: `purchase-${i}`,
        kind: 'tenant.create',
        requestedBy: { type: 'stripe', eventId: `evt_${i}` },
        slug: `tenant-${String(i).padStart(3, '0')}`,
        owner: { telegramUserId: 500_000 + i },
        plan: 'basic',
      };
      return submitChange({ repo, prs: repo, now }, input);
    }),
  );

  expect(outcomes.map((o) => o.status)).toEqual(Array(WRITERS).fill('merged'));
  const head = await temp.repo.head(MAIN);
  if (head === null) throw new Error('main vanished');
  const loaded = loadFleet(await temp.repo.read(head));
  if (!loaded.ok) throw new Error(loaded.issues.map((i) => i.message).join('\n'));
  const created = [...loaded.fleet.tenants.keys()].filter((s) => s.startsWith('tenant-'));
  expect(created).toHaveLength(WRITERS);
  // Every merged PR's commit is reachable from main: nothing was overwritten.
  const merges = new Set(outcomes.map((o) => (o.status === 'merged' ? o.commit : '')));
  expect(merges.size).toBe(WRITERS);
  const perHost = new Map<string, number>();
  for (const { tenant } of loaded.fleet.tenants.values()) {
    if (tenant.placement.type === 'shared') perHost.set(tenant.placement.host, (perHost.get(tenant.placement.host) ?? 0) + 1);
  }
  // 1 fixture tenant + 50 new ones, 20 per host: shared-1 fills up, then the changes added shared-2 and shared-3.
  expect(Object.fromEntries(perHost)).toEqual({ [SHARED_HOST]: 20, 'shared-2': 20, 'shared-3': 11 });
  expect(await temp.repo.listOpen()).toEqual([]);
}, 240_000);

it('without turn-taking, racing writers still all land through compare-and-swap and rebuilds', async () => {
  const m = validFleetManifests();
  m.fleet.mergePolicy = { default: 'auto' };
  temp = await makeTempBareRepo(Object.fromEntries(fleetFiles(m)));
  const gitDir = temp.gitDir;
  const racers = 8;
  const creates = await Promise.all(
    Array.from({ length: racers }, async (_, i) => {
      const repo = unlocked(await LocalFleetRepo.open(gitDir));
      return submitChange(
        { repo, prs: repo, now: () => new Date('2026-03-16T12:00:00.000Z') },
        { id: `racer-${i}`, kind: 'tenant.create', requestedBy: { type: 'cli', user: 'ops' }, slug: `racer-${i}`, owner: { telegramUserId: 900 + i }, plan: 'pro' },
      );
    }),
  );
  expect(creates.map((o) => o.status)).toEqual(Array(racers).fill('merged'));
  const head = await temp.repo.head(MAIN);
  const loaded = loadFleet(await temp.repo.read(head ?? ''));
  expect(loaded.ok && [...loaded.fleet.tenants.keys()].filter((s) => s.startsWith('racer-')).length).toBe(racers);
}, 120_000);
