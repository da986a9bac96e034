import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { branchFor } from '../../fleet/changes/describe.js';
import { ChangeRequest, type ChangeRequestInput } from '../../fleet/changes/request.js';
import { loadFleet } from '../../fleet/load/index.js';
import { ISOLATED_GIT_ENV } from '../../fleet/repo/git/runner.js';
import { submitChange, type SubmitOutcome } from '../../fleet/submit.js';
import { fakeGitHubFleetRepo } from '../fake-github/adapter.js';
import { type FakeGitHub, type FaultMatch, type LoggedRequest, startFakeGitHub } from '../fake-github/index.js';
import { fleetFiles, validFleetManifests } from '../fleet-fixtures.js';

/**
 * A purchase landing on GitHub while GitHub misbehaves: 502s (before and after the write took
 * effect) and a secondary rate limit with Retry-After, on the very requests that create the
 * branch, the PR and the merge. The real adapter (octokit with its retry and throttling plugins)
 * against the fake, at GitHub's real time unit: a Retry-After of 1 is one second.
 */

let fake: FakeGitHub;
let home: string;
beforeEach(async () => {
  fake = await startFakeGitHub();
  home = await mkdtemp(join(tmpdir(), 'bf-gh-faults-'));
  const m = validFleetManifests();
  m.fleet.mergePolicy = { default: 'auto' };
  await fake.seed('main', Object.fromEntries(fleetFiles(m)));
});
afterEach(async () => {
  await fake.close();
  await rm(home, { recursive: true, force: true });
});

const RETRY_AFTER_S = 1;
const now = () => new Date('2026-03-16T12:00:00.000Z');

/** The real adapter against the fake; `secondMs` is GitHub's second: the real one where a Retry-After is checked. */
const repoOn = (f: FakeGitHub, secondMs = 1000) => fakeGitHubFleetRepo(f, join(home, 'mirror.git'), { secondMs });

const purchase = (slug: string): ChangeRequestInput => ({
  id: `stripe:evt_${slug.replace(/-/g, '')}`,
  kind: 'tenant.create',
  requestedBy: { type: 'stripe', eventId: `evt_${slug.replace(/-/g, '')}` },
  slug,
  owner: { telegramUserId: 400_777 },
  plan: 'basic',
});

const repoPath = (rest: string) => new RegExp(`^/repos/acme/fleet${rest}$`);
const REFS: Required<FaultMatch> = { method: 'POST', path: repoPath('/git/refs') };
const PULLS: Required<FaultMatch> = { method: 'POST', path: repoPath('/pulls') };
const MERGE: Required<FaultMatch> = { method: 'PUT', path: repoPath('/pulls/\\d+/merge') };

/** Subjects of main's commits that touched the tenant's folder: one per landing. */
async function commitsTouching(f: FakeGitHub, slug: string): Promise<string[]> {
  const r = await execa('git', ['--git-dir', f.gitDir, 'log', '--format=%s', 'main', '--', `tenants/${slug}`], { env: ISOLATED_GIT_ENV });
  return r.stdout.split('\n').filter(Boolean);
}

/** What must hold once a purchase landed, however often GitHub failed on the way. */
async function expectLandedOnce(f: FakeGitHub, input: ChangeRequestInput, outcome: SubmitOutcome, slug: string): Promise<void> {
  expect(outcome.status).toBe('merged');
  const branch = branchFor(ChangeRequest.parse(input));
  // One PR for the change, merged; no second one opened by a retried create.
  expect(f.pulls.map((p) => `${p.branch} ${p.state} ${p.mergedAt === null ? 'unmerged' : 'merged'}`)).toEqual([`${branch} closed merged`]);
  // One commit of the change on main (the PR's), plus its merge.
  expect(await commitsTouching(f, slug)).toHaveLength(1);
  const refs = await execa('git', ['--git-dir', f.gitDir, 'for-each-ref', '--format=%(refname)', 'refs/heads'], { env: ISOLATED_GIT_ENV });
  expect(refs.stdout.split('\n').filter((r) => r !== 'refs/heads/main')).toEqual([`refs/heads/${branch}`]);
  const head = await f.head('main');
  if (head === null) throw new Error('main vanished');
  const reader = repoOn(f);
  const loaded = loadFleet(await reader.read(head));
  expect(loaded.ok && loaded.fleet.tenants.get(slug)?.tenant.owner.telegramUserId).toBe(400_777);
  // Submitted again (Stripe redelivers): answered from the merged PR, nothing new written.
  const before = f.requests.filter((r) => r.method !== 'GET').length;
  const again = await submitChange({ repo: reader, prs: reader, now }, input);
  expect(again).toMatchObject({ status: 'merged', commit: outcome.status === 'merged' ? outcome.commit : '' });
  expect(f.requests.filter((r) => r.method !== 'GET')).toHaveLength(before);
}

/** The first answer to a request matching `m` with `status`, and the next request to the same endpoint. */
function retryOf(requests: readonly LoggedRequest[], m: Required<FaultMatch>, status: number): { failed: LoggedRequest; retried: LoggedRequest } {
  const i = requests.findIndex((r) => r.method === m.method && m.path.test(r.path) && r.status === status);
  const failed = requests[i];
  const retried = requests.slice(i + 1).find((r) => r.method === m.method && m.path.test(r.path));
  if (i < 0 || failed === undefined || retried === undefined) throw new Error(`no ${status} on ${m.method} ${String(m.path)} followed by a retry`);
  return { failed, retried };
}

describe('GitHub failing during a purchase submit', () => {
  it.each([
    ['a 502 on the branch creation and a 429 (Retry-After 1) on the PR creation', 'gh-faulty', PULLS, 201, [REFS]],
    ['a 429 (Retry-After 1) on the merge itself', 'gh-merge-limited', MERGE, 200, []],
  ] as const)('%s: retried, the 429 waited out, landed once', async (_, slug, limitedAt, okStatus, badGateways) => {
    for (const m of badGateways) fake.failNext(1, { status: 502 }, m);
    fake.failNext(1, { status: 429, retryAfter: RETRY_AFTER_S }, limitedAt);
    const repo = repoOn(fake);
    const input = purchase(slug);
    const outcome = await submitChange({ repo, prs: repo, now }, input);

    for (const m of badGateways) expect(retryOf(fake.requests, m, 502).retried.status).toBe(201);
    const limited = retryOf(fake.requests, limitedAt, 429);
    expect(limited.retried.status).toBe(okStatus);
    // Not before GitHub said: the retry came at least Retry-After after the 429 arrived.
    expect(limited.retried.at - limited.failed.at).toBeGreaterThanOrEqual(RETRY_AFTER_S * 1000);
    await expectLandedOnce(fake, input, outcome, slug);
  }, 60_000);

  it('502s after the write took effect (branch created, PR opened, PR merged, answers lost): no second branch, PR or commit', async () => {
    fake.failNext(1, { status: 502, applied: true }, REFS);
    fake.failNext(1, { status: 502, applied: true }, PULLS);
    fake.failNext(1, { status: 502, applied: true }, MERGE);
    // No Retry-After to check here: the retry plugin's backoff (4 s, then 9 s at GitHub's pace) is shrunk.
    const repo = repoOn(fake, 50);
    const input = purchase('gh-lost-answers');
    const outcome = await submitChange({ repo, prs: repo, now }, input);
    // Every fault was met: each write happened while its answer was lost.
    for (const m of [REFS, PULLS, MERGE]) expect(fake.requests.some((r) => r.method === m.method && m.path.test(r.path) && r.status === 502), String(m.path)).toBe(true);
    await expectLandedOnce(fake, input, outcome, 'gh-lost-answers');
  }, 60_000);
});
