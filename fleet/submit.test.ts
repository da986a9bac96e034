import { afterEach, describe, expect, it } from 'vitest';
import { makeTempBareRepo, type TempBareRepo } from '../test/git.js';
import { ADMIN_ID, DEDICATED_TENANT, fleetFiles, sealValue, SHARED_TENANT, TEST_RECIPIENT, validFleetManifests, type FleetManifests } from '../test/fleet-fixtures.js';
import { approveChange } from './approve.js';
import { branchFor } from './changes/describe.js';
import { buildChange, ChangeRejectedError, ChangeRequest, type ChangeRequestInput } from './changes/index.js';

const buildBranch = (input: ChangeRequestInput) => branchFor(ChangeRequest.parse(input));
import { applyEdits } from './edits.js';
import { loadFleet } from './load/index.js';
import type { Fleet } from './model.js';
import { MAIN } from './repo/types.js';
import { ChangeInvalidError, submitChange, type SubmitDeps } from './submit.js';

const NOW = new Date('2026-03-16T12:00:00.000Z');
let temp: TempBareRepo | undefined;
afterEach(async () => {
  await temp?.cleanup();
  temp = undefined;
});

async function fleetRepo(mutate: (m: FleetManifests) => void = () => undefined) {
  const m = validFleetManifests();
  m.fleet.mergePolicy = { default: 'auto' };
  mutate(m);
  temp = await makeTempBareRepo(Object.fromEntries(fleetFiles(m)));
  const deps: SubmitDeps = { repo: temp.repo, prs: temp.repo, now: () => NOW };
  return { repo: temp.repo, deps };
}

async function mainFleet(deps: SubmitDeps): Promise<{ fleet: Fleet; head: string }> {
  const head = await deps.repo.head(MAIN);
  if (head === null) throw new Error('no main');
  const loaded = loadFleet(await deps.repo.read(head));
  if (!loaded.ok) throw new Error(loaded.issues.map((i) => i.message).join('\n'));
  return { fleet: loaded.fleet, head };
}

const admin = { type: 'admin', userId: ADMIN_ID } as const;
const alice = { type: 'telegram', userId: 200_001 } as const;
const sealed = await sealValue(TEST_RECIPIENT, '7000000010:AAH_delta_token_0000000000000000000');

/** One request of every kind, each valid against the fixture fleet. */
const EVERY_KIND: ChangeRequestInput[] = [
  { id: 'c1', kind: 'tenant.create', requestedBy: alice, slug: 'delta-bot', owner: { telegramUserId: 300_001 }, plan: 'basic', secrets: { BOT_TOKEN: sealed } },
  { id: 'c2', kind: 'tenant.update', requestedBy: alice, slug: SHARED_TENANT, chats: [{ id: -100_999, type: 'channel' }] },
  { id: 'c3', kind: 'module.install', requestedBy: alice, slug: 'delta-bot', module: 'welcome' },
  { id: 'c4', kind: 'module.remove', requestedBy: alice, slug: SHARED_TENANT, module: 'welcome' },
  { id: 'c5', kind: 'module.update', requestedBy: { type: 'release', tag: 'core@1.1.0' }, module: 'core', version: '1.1.0', tenants: [DEDICATED_TENANT] },
  {
    id: 'c6',
    kind: 'billing.record',
    requestedBy: { type: 'stripe', eventId: 'evt_1' },
    slug: DEDICATED_TENANT,
    record: { periods: [{ id: 'in_9', start: '2026-03-30T00:00:00Z', end: '2026-04-30T00:00:00Z', source: 'stripe', amount: { amount: 2000, currency: 'usd' } }] },
  },
  { id: 'c7', kind: 'tenant.suspend', requestedBy: admin, slug: SHARED_TENANT, reason: 'chargeback' },
  { id: 'c8', kind: 'tenant.resume', requestedBy: admin, slug: SHARED_TENANT, reason: 'resolved' },
  { id: 'c9', kind: 'tenant.delete', requestedBy: admin, slug: DEDICATED_TENANT },
];

describe('submitChange on a local bare repo', () => {
  it('lands every change kind: commit on its branch, PR, merge, and main loads back equal to the plan', async () => {
    const { repo, deps } = await fleetRepo();
    for (const input of EVERY_KIND) {
      const before = await mainFleet(deps);
      const snap = await repo.read(before.head);
      const plan = buildChange({ fleet: before.fleet, files: snap.files, now: NOW.toISOString() }, ChangeRequest.parse(input));
      const expected = loadFleet(applyEdits(snap, plan.edits));

      const outcome = await submitChange(deps, input);
      if (input.kind === 'tenant.delete') {
        // Deletion always waits for an admin, whatever the policy says.
        expect(outcome.status).toBe('open');
        if (outcome.status !== 'open') return;
        expect((await mainFleet(deps)).head).toBe(before.head);
        await approveChange(deps, outcome.pr.number);
      } else {
        expect(outcome.status, input.kind).toBe('merged');
      }
      const after = await mainFleet(deps);
      expect(expected.ok).toBe(true);
      if (expected.ok) expect(after.fleet, input.kind).toEqual(expected.fleet);
      const pr = await repo.findPr(plan.branch);
      expect(pr).toMatchObject({ state: 'merged', labels: [input.kind], title: plan.title });
      expect(await repo.head(plan.branch)).toBe(pr?.head);
    }
    const { fleet } = await mainFleet(deps);
    expect([...fleet.tenants.keys()]).toEqual([SHARED_TENANT, 'delta-bot']);
  });

  it('is idempotent: the same request twice is one PR and one commit', async () => {
    const { repo, deps } = await fleetRepo();
    const input = EVERY_KIND[0] as ChangeRequestInput;
    const first = await submitChange(deps, input);
    const head = (await mainFleet(deps)).head;
    const second = await submitChange(deps, input);
    expect(second).toEqual(first);
    expect((await mainFleet(deps)).head).toBe(head);
    expect((await repo.listOpen()).length).toBe(0);
  });

  it('leaves review changes open, and an admin merges them after main moved', async () => {
    const { repo, deps } = await fleetRepo((m) => {
      m.fleet.mergePolicy = { default: 'review', kinds: { 'billing.record': 'auto' } };
    });
    const open = await submitChange(deps, EVERY_KIND[1] as ChangeRequestInput);
    expect(open.status).toBe('open');
    // Another change lands first, so the PR branch is stale when the admin approves it.
    expect((await submitChange(deps, EVERY_KIND[5] as ChangeRequestInput)).status).toBe('merged');
    if (open.status !== 'open') return;
    const { commit } = await approveChange(deps, open.pr.number);
    const { fleet, head } = await mainFleet(deps);
    expect(head).toBe(commit);
    expect(fleet.tenants.get(SHARED_TENANT)?.tenant.chats).toEqual([{ id: -100_999, type: 'channel' }]);
    expect(fleet.tenants.get(DEDICATED_TENANT)?.billing.paidThrough).toBe('2026-04-30T00:00:00Z');
    expect(await repo.getStatuses(commit)).toContainEqual(expect.objectContaining({ context: 'buckfleet/validate', state: 'success' }));
  });

  it('refuses an invalid change with the validation errors, and writes nothing', async () => {
    // pro allows one module here, and alpha-shop runs two: moving it to pro breaks a fleet rule.
    const { repo, deps } = await fleetRepo((m) => {
      m.fleet.plans.pro = { ...m.fleet.plans.pro!, maxModules: 1 };
    });
    const head = (await mainFleet(deps)).head;
    const input: ChangeRequestInput = { id: 'bad', kind: 'tenant.update', requestedBy: alice, slug: SHARED_TENANT, plan: 'pro' };
    const err = await submitChange(deps, input).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChangeInvalidError);
    expect((err as ChangeInvalidError).message).toMatch(/^the change would make the fleet invalid:\ntenants\/alpha-shop\/tenant\.yaml:\d+: modules: plan "pro" allows 1 modules, this tenant has 2$/);
    expect(await repo.listOpen()).toEqual([]);
    expect(await repo.findPr(buildBranch(input))).toBeNull();
    expect(await repo.head(buildBranch(input))).toBeNull();
    expect((await mainFleet(deps)).head).toBe(head);
  });

  it('refuses a malformed request before it reads anything', async () => {
    const { deps } = await fleetRepo();
    const err = await submitChange(deps, { id: 'x', kind: 'tenant.suspend', requestedBy: alice, slug: '../etc' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChangeRejectedError);
    expect((err as Error).message).toMatch(/^invalid change request: slug: must be 3-32 characters/);
  });
});
