import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// A dependency of @octokit/plugin-throttling, imported only to hand the client unspaced limiters.
import Bottleneck from 'bottleneck';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { loadConfig } from '../../app/config.js';
import { openFleetRepoForReading } from '../../app/fleet-repo.js';
import { approveChange } from '../../fleet/approve.js';
import { loadFleet } from '../../fleet/load/index.js';
import { GitHubFleetRepo } from '../../fleet/repo/github/index.js';
import { submitChange } from '../../fleet/submit.js';
import { type FakeGitHub, startFakeGitHub } from '../fake-github/index.js';
import { ADMIN_ID, fleetFiles, SHARED_TENANT, validFleetManifests } from '../fleet-fixtures.js';

let fake: FakeGitHub;
let home: string;
beforeEach(async () => {
  fake = await startFakeGitHub();
  home = await mkdtemp(join(tmpdir(), 'bf-gh-e2e-'));
});
afterEach(async () => {
  await fake.close();
  await rm(home, { recursive: true, force: true });
});

const now = () => new Date('2026-03-16T12:00:00.000Z');

it('submits changes to GitHub: auto-merged purchase, a review change approved by an admin, main read back', async () => {
  const m = validFleetManifests();
  m.fleet.mergePolicy = { default: 'review', kinds: { 'tenant.create': 'auto' } };
  await fake.seed('main', Object.fromEntries(fleetFiles(m)));
  const unspaced = () => new Bottleneck.Group({ maxConcurrent: 10, minTime: 0 });
  const repo = new GitHubFleetRepo({
    owner: fake.owner,
    repo: fake.repo,
    token: fake.token,
    baseUrl: fake.url,
    cloneUrl: `file://${fake.gitDir}`,
    mirrorDir: join(home, 'mirror.git'),
    tuning: { secondMs: 20, pacing: { write: unspaced(), notifications: unspaced() } },
  });
  const deps = { repo, prs: repo, now };

  const bought = await submitChange(deps, {
    id: 'stripe:evt_1',
    kind: 'tenant.create',
    requestedBy: { type: 'stripe', eventId: 'evt_1' },
    slug: 'echo-bot',
    owner: { telegramUserId: 400_001 },
    plan: 'basic',
  });
  expect(bought.status).toBe('merged');
  expect(fake.requests.some((r) => r.method === 'POST' && /\/issues\/\d+\/labels$/.test(r.path))).toBe(true);

  const suspend = await submitChange(deps, { id: 'adm-1', kind: 'tenant.suspend', requestedBy: { type: 'admin', userId: ADMIN_ID }, slug: SHARED_TENANT, reason: 'abuse' });
  expect(suspend.status).toBe('open');
  if (suspend.status !== 'open') return;
  expect(suspend.pr.labels).toEqual(['tenant.suspend']);
  await approveChange(deps, suspend.pr.number);

  // What a command like `buckfleet tenant list` sees through the configured GitHub repo.
  const config = loadConfig({ FLEET_REPO: `${fake.owner}/${fake.repo}`, GITHUB_TOKEN: fake.token, BUCKFLEET_HOME: home });
  const reader = await openFleetRepoForReading(config, home, { baseUrl: fake.url, cloneUrl: `file://${fake.gitDir}` });
  const loaded = loadFleet(await reader.readMain());
  expect(loaded.ok).toBe(true);
  if (!loaded.ok) return;
  expect(loaded.fleet.tenants.get('echo-bot')?.tenant.owner.telegramUserId).toBe(400_001);
  expect(loaded.fleet.tenants.get(SHARED_TENANT)?.billing.status).toBe('suspended');
}, 60_000);
