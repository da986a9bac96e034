import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// A dependency of @octokit/plugin-throttling, imported only to hand the client unspaced limiters.
import Bottleneck from 'bottleneck';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { approveChange } from '../../fleet/approve.js';
import { GitHubFleetRepo } from '../../fleet/repo/github/index.js';
import { submitChange } from '../../fleet/submit.js';
import { type FakeGitHub, startFakeGitHub } from '../fake-github/index.js';
import { fleetFiles, sealValue, TEST_IDENTITY, TEST_RECIPIENT, validFleetManifests } from '../fleet-fixtures.js';
import { type Corpus, findSecrets } from '../secrets-scan.js';
import { gitCorpora } from '../secrets-sources.js';

/**
 * The secrets audit on GitHub: the control plane in the purchase audit writes to a local fleet
 * repo (its PR records are scanned there); here the same change request — a purchase carrying
 * the customer's sealed bot token, under a review policy so it is a real PR with a body, then
 * approved — goes through GitHubFleetRepo to the fake GitHub, whose PR titles and bodies,
 * comments, commit statuses, request paths and git objects are scanned for the plaintext.
 */
const TOKEN = '7345678901:AAHgithubAuditCustomerToken_000111222';

let fake: FakeGitHub;
let home: string;
beforeEach(async () => {
  fake = await startFakeGitHub();
  home = await mkdtemp(join(tmpdir(), 'bf-gh-audit-'));
});
afterEach(async () => {
  await fake.close();
  await rm(home, { recursive: true, force: true });
});

/** Everything the fake GitHub holds or was asked, and the reconciler-side mirror. */
async function githubCorpora(): Promise<Corpus[]> {
  return [
    ...fake.pulls.map((p) => ({ source: `pull ${p.number}`, text: `${p.title}\n${p.body}` })),
    ...fake.comments.map((c) => ({ source: `comment ${c.id}`, text: c.body })),
    ...fake.statuses.map((s, i) => ({ source: `status ${i}`, text: JSON.stringify(s) })),
    { source: 'request paths', text: fake.requests.map((r) => `${r.method} ${r.path}?${r.query}`).join('\n') },
    ...(await gitCorpora(fake.gitDir)).map((c) => ({ ...c, source: `github ${c.source}` })),
    ...(await gitCorpora(join(home, 'mirror.git'))).map((c) => ({ ...c, source: `mirror ${c.source}` })),
  ];
}

it('a purchase PR with a sealed bot token, approved: the token and the age identity are nowhere on GitHub; a planted comment is found', async () => {
  const m = validFleetManifests();
  m.fleet.mergePolicy = { default: 'review' };
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
  const deps = { repo, prs: repo, now: () => new Date('2026-03-16T12:00:00.000Z') };
  const opened = await submitChange(deps, {
    id: 'stripe:evt_audit',
    kind: 'tenant.create',
    requestedBy: { type: 'stripe', eventId: 'evt_audit' },
    slug: 'audit-shop',
    owner: { telegramUserId: 400_002 },
    plan: 'basic',
    secrets: { BOT_TOKEN: await sealValue(TEST_RECIPIENT, TOKEN) },
  });
  expect(opened.status).toBe('open');
  if (opened.status !== 'open') return;
  await approveChange(deps, opened.pr.number);

  const secrets = { 'customer bot token': TOKEN, 'bot token, secret part': TOKEN.split(':')[1] ?? '', 'age identity': TEST_IDENTITY, 'GitHub token': fake.token };
  const corpora = await githubCorpora();
  // What is scanned is the real thing: a PR with a body naming the sealed secret, merged.
  expect(fake.pulls.find((p) => p.number === opened.pr.number)?.body).toContain('BOT_TOKEN');
  expect(fake.pulls.find((p) => p.number === opened.pr.number)?.mergedAt).not.toBeNull();
  expect(findSecrets(secrets, corpora)).toEqual([]);

  // Positive control: the same scan finds a canary written as a PR comment through the same client.
  const canary = `canary-${opened.pr.number}-github-comment`;
  await repo.ensureComment(opened.pr.number, 'audit', canary);
  expect(findSecrets({ canary }, await githubCorpora()).map((f) => f.source.replace(/\d+/g, 'N'))).toEqual(['comment N']);
}, 60_000);
