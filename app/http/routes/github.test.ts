import { Webhooks } from '@octokit/webhooks';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it, type TestContext } from 'vitest';
import { Secret } from '../../../fleet/secret.js';
import { testDatabase } from '../../../test/pg/database.js';
import { migrate } from '../../db/migrate.js';
import { startHttpServer } from '../server.js';
import { GITHUB_WEBHOOK_PATH, githubWebhookRoutes } from './github.js';

/** A webhook secret for tests; never a real one. */
const SECRET = 'gh-webhook-test-secret-0123456789';
const MAIN_SHA = 'a'.repeat(40);
const PR_SHA = 'b'.repeat(40);
const REPO = { full_name: 'acme/fleet' };

/** The real server on a free port, over a migrated test database, with recording callbacks. */
async function startServer(ctx: TestContext, opts: { repository?: string } = {}) {
  const db = await testDatabase(ctx);
  await migrate(new Secret(db.url));
  const logs: string[] = [];
  const log = pino({ level: 'debug' }, new Writable({ write: (chunk: Buffer, _enc, done) => (logs.push(chunk.toString('utf8')), done()) }));
  const moved: string[] = [];
  const plans: { pr: number; head: string }[] = [];
  const server = await startHttpServer({
    port: 0,
    host: '127.0.0.1',
    log,
    routes: [
      githubWebhookRoutes({
        db: db.pool,
        webhookSecret: new Secret(SECRET),
        onMainMoved: (head) => void moved.push(head),
        onPullRequest: (pr, head) => Promise.resolve(void plans.push({ pr, head })),
        ...opts,
      }),
    ],
  });
  ctx.onTestFinished(() => server.close());
  const recorded = async () => (await db.pool.query<{ source: string; event_id: string }>('SELECT source, event_id FROM processed_events ORDER BY event_id')).rows;
  return { url: server.url, moved, plans, logs, recorded };
}

interface Delivery {
  readonly event: string;
  readonly id: string;
  readonly body: string;
  readonly signature: string;
}

/** A delivery as GitHub sends it, signed with `@octokit/webhooks`' own `sign`. */
async function delivery(event: string, id: string, payload: unknown, secret = SECRET): Promise<Delivery> {
  const body = JSON.stringify(payload);
  return { event, id, body, signature: await new Webhooks({ secret }).sign(body) };
}

async function deliver(url: string, d: Delivery, headers: Record<string, string | null> = {}) {
  const all: Record<string, string | null> = {
    'content-type': 'application/json',
    'x-github-event': d.event,
    'x-github-delivery': d.id,
    'x-hub-signature-256': d.signature,
    'user-agent': 'GitHub-Hookshot/test',
    ...headers,
  };
  const sent = Object.fromEntries(Object.entries(all).filter((e): e is [string, string] => e[1] !== null));
  const response = await fetch(`${url}${GITHUB_WEBHOOK_PATH}`, { method: 'POST', headers: sent, body: d.body });
  const body: unknown = await response.json();
  return { status: response.status, body };
}

const push = (ref: string, after = MAIN_SHA) => ({ ref, before: '0'.repeat(40), after, repository: REPO, commits: [] });
const pullRequest = (action: string, number = 7, head = PR_SHA) => ({ action, number, pull_request: { number, head: { sha: head, ref: 'bf/x' }, base: { ref: 'main' } }, repository: REPO });

describe('POST /webhooks/github', () => {
  it('a push to main wakes the reconciler once; the redelivery is acknowledged and does nothing', async (ctx) => {
    const server = await startServer(ctx);
    const d = await delivery('push', 'delivery-1', push('refs/heads/main'));

    expect(await deliver(server.url, d)).toEqual({ status: 200, body: { received: true, duplicate: false, action: 'reconcile' } });
    expect(server.moved).toEqual([MAIN_SHA]);
    expect(await server.recorded()).toEqual([{ source: 'github', event_id: 'delivery-1' }]);

    // GitHub's "Redeliver" sends the same delivery id again.
    expect(await deliver(server.url, d)).toEqual({ status: 200, body: { received: true, duplicate: true, action: 'ignored' } });
    expect(server.moved).toEqual([MAIN_SHA]);
    expect(await server.recorded()).toHaveLength(1);
  });

  it('a pull request opened, pushed to or reopened asks for its plan; closed or labelled does not', async (ctx) => {
    const server = await startServer(ctx);
    for (const [i, action] of ['opened', 'synchronize', 'reopened', 'closed', 'labeled'].entries()) {
      const answer = await deliver(server.url, await delivery('pull_request', `pr-${i}`, pullRequest(action, 7, `${i}`.repeat(40))));
      expect(answer).toEqual({ status: 200, body: { received: true, duplicate: false, action: i < 3 ? 'plan' : 'ignored' } });
    }
    await expect.poll(() => server.plans.length).toBe(3);
    expect(server.plans).toEqual([
      { pr: 7, head: '0'.repeat(40) },
      { pr: 7, head: '1'.repeat(40) },
      { pr: 7, head: '2'.repeat(40) },
    ]);
    expect(server.moved).toEqual([]);
  });

  it('answers ping; ignores other events, other branches and other repositories', async (ctx) => {
    const server = await startServer(ctx, { repository: 'acme/fleet' });
    const answer = async (d: Delivery) => (await deliver(server.url, d)).body;
    expect(await answer(await delivery('ping', 'p-1', { zen: 'Keep it logically awesome.', hook_id: 1 }))).toEqual({ received: true, duplicate: false, action: 'pong' });
    expect(await answer(await delivery('issues', 'i-1', { action: 'opened', repository: REPO }))).toMatchObject({ action: 'ignored' });
    expect(await answer(await delivery('push', 'b-1', push('refs/heads/bf/tenant.create/x')))).toMatchObject({ action: 'ignored' });
    expect(await answer(await delivery('push', 't-1', push('refs/tags/core@1.0.0')))).toMatchObject({ action: 'ignored' });
    expect(await answer(await delivery('push', 'r-1', { ...push('refs/heads/main'), repository: { full_name: 'someone/else' } }))).toMatchObject({ action: 'ignored' });
    expect(await answer(await delivery('push', 'd-1', { ...push('refs/heads/main', '0'.repeat(40)), deleted: true }))).toMatchObject({ action: 'ignored' });
    // A pull_request body replayed under the push event name has no ref: not mistaken for a push.
    expect(await answer(await delivery('push', 'x-1', pullRequest('opened')))).toMatchObject({ action: 'ignored' });
    expect(server.moved).toEqual([]);
    expect(server.plans).toEqual([]);
    // The same repository in another case is the same repository.
    expect(await answer(await delivery('push', 'c-1', { ...push('refs/heads/main'), repository: { full_name: 'Acme/Fleet' } }))).toMatchObject({ action: 'reconcile' });
  });

  it.for([
    ['a signature made with another secret', async () => delivery('push', 'f-1', push('refs/heads/main'), 'someone-elses-secret'), {}, 'bad_signature'],
    ['a body modified after signing', async () => ({ ...(await delivery('push', 'f-2', push('refs/heads/main'))), body: JSON.stringify(push('refs/heads/main', 'c'.repeat(40))) }), {}, 'bad_signature'],
    ['no signature header', async () => delivery('push', 'f-3', push('refs/heads/main')), { 'x-hub-signature-256': null }, 'unsigned'],
    ['only the old SHA-1 signature', async () => delivery('push', 'f-4', push('refs/heads/main')), { 'x-hub-signature-256': null, 'x-hub-signature': 'sha1=0123456789abcdef0123456789abcdef01234567' }, 'unsigned'],
    ['a garbled signature header', async () => delivery('push', 'f-5', push('refs/heads/main')), { 'x-hub-signature-256': 'sha256=nothex' }, 'bad_signature'],
  ] as const)('refuses %s with 401, records nothing and calls nothing', async ([, make, headers, reason], ctx) => {
    const server = await startServer(ctx);
    const answer = await deliver(server.url, await make(), headers);
    expect(answer.status).toBe(401);
    expect(answer.body).toEqual({ error: reason, message: expect.stringMatching(/^[^\n]+$/) as string });
    expect(await server.recorded()).toEqual([]);
    expect(server.moved).toEqual([]);
  });

  it('refuses a signed delivery without its event or delivery id with 400, recording nothing', async (ctx) => {
    const server = await startServer(ctx);
    const d = await delivery('push', 'h-1', push('refs/heads/main'));
    expect((await deliver(server.url, d, { 'x-github-event': null })).status).toBe(400);
    expect((await deliver(server.url, d, { 'x-github-delivery': null })).status).toBe(400);
    expect(await server.recorded()).toEqual([]);
    expect(server.moved).toEqual([]);
  });

  it('refuses another content type with 415 (a hook set to form encoding), recording nothing', async (ctx) => {
    const server = await startServer(ctx);
    const d = await delivery('push', 'ct-1', push('refs/heads/main'));
    const form = { ...d, body: `payload=${encodeURIComponent(d.body)}` };
    expect((await deliver(server.url, form, { 'content-type': 'application/x-www-form-urlencoded' })).status).toBe(415);
    expect((await deliver(server.url, d, { 'content-type': 'text/plain' })).status).toBe(415);
    expect(await server.recorded()).toEqual([]);
    expect(server.moved).toEqual([]);
  });

  it('logs the delivery id and event, never the secret, the signature or the body', async (ctx) => {
    const server = await startServer(ctx);
    const d = await delivery('pull_request', 'log-1', { ...pullRequest('opened'), sender: { login: 'private-person' } });
    await deliver(server.url, d);
    await deliver(server.url, await delivery('push', 'log-2', push('refs/heads/main'), 'someone-elses-secret'));
    const text = server.logs.join('');
    expect(text).toContain('"delivery":"log-1"');
    expect(text).toContain('"pr":7');
    expect(text).toContain('"reason":"bad_signature"');
    for (const hidden of [SECRET, d.signature, 'private-person']) expect(text).not.toContain(hidden);
  });
});
