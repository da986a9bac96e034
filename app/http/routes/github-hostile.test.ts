import { Webhooks } from '@octokit/webhooks';
import { pino } from 'pino';
import { describe, expect, it, type TestContext } from 'vitest';
import { Secret } from '../../../fleet/secret.js';
import { testDatabase } from '../../../test/pg/database.js';
import { migrate } from '../../db/migrate.js';
import { startHttpServer } from '../server.js';
import { GITHUB_WEBHOOK_PATH, githubWebhookRoutes } from './github.js';
import { FIVE_MB, rawPost } from './test-support.js';

/**
 * Hostile requests at `/webhooks/github` that github.test.ts does not already send (it covers a
 * wrong secret, a changed body, no or a garbled or SHA-1-only signature, missing event or
 * delivery headers, other content types). Each is refused with a clear status, nothing is
 * recorded in `processed_events` and neither the reconciler nor a plan is woken.
 */

const SECRET = 'gh-webhook-hostile-secret-0123456789';
const PUSH = { ref: 'refs/heads/main', before: '0'.repeat(40), after: 'a'.repeat(40), repository: { full_name: 'acme/fleet' }, commits: [] };

async function startServer(ctx: TestContext) {
  const db = await testDatabase(ctx);
  await migrate(new Secret(db.url));
  const woken: string[] = [];
  // Whatever a delivery would set off (a reconcile, a plan) is recorded here instead.
  const onMainMoved = (head: string) => void woken.push(`main ${head}`);
  const onPullRequest = (pr: number) => Promise.resolve(void woken.push(`pr ${pr}`));
  const routes = [githubWebhookRoutes({ db: db.pool, webhookSecret: new Secret(SECRET), onMainMoved, onPullRequest })];
  const server = await startHttpServer({ port: 0, host: '127.0.0.1', log: pino({ level: 'silent' }), routes });
  ctx.onTestFinished(() => server.close());
  const recorded = async () => (await db.pool.query('SELECT event_id FROM processed_events')).rowCount;
  return { url: `${server.url}${GITHUB_WEBHOOK_PATH}`, woken, recorded };
}

const sign = (body: string) => new Webhooks({ secret: SECRET }).sign(body);

async function post(url: string, body: string, headers: Record<string, string>): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': 'd-1', ...headers }, body });
  return { status: response.status, body: await response.json() };
}

describe('POST /webhooks/github, hostile input', () => {
  it('refuses a body over the limit by its Content-Length with 413 before reading it, recording nothing', async (ctx) => {
    const server = await startServer(ctx);
    // GitHub caps payloads at 25 MB; the route's limit is 5 MiB. Not one byte of the body is sent.
    const answer = await rawPost(server.url, { headers: { 'content-type': 'application/json', 'x-hub-signature-256': await sign('{}'), 'x-github-event': 'push', 'x-github-delivery': 'big-1' }, announce: 26 * 1024 * 1024 });
    expect(answer.status).toBe(413);
    expect(answer.ms).toBeLessThan(2000);
    // And streamed without a Content-Length, past the limit.
    const streamed = await rawPost(server.url, {
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': await sign('{}'), 'x-github-event': 'push', 'x-github-delivery': 'big-2', 'transfer-encoding': 'chunked' },
      chunks: { size: 64 * 1024, count: FIVE_MB / (64 * 1024) + 16 },
    });
    expect(streamed.status).toBe(413);
    expect(await server.recorded()).toBe(0);
    expect(server.woken).toEqual([]);
  });

  it('refuses an empty body, a truncated one, signed non-JSON and hostile delivery ids, recording nothing', async (ctx) => {
    const server = await startServer(ctx);
    const body = JSON.stringify(PUSH);
    const signature = await sign(body);
    const cases: readonly [string, () => Promise<{ status: number; body: unknown }>, number, string][] = [
      ['an empty body', () => post(server.url, '', { 'x-hub-signature-256': signature }), 400, 'no_body'],
      ['a truncated body', () => post(server.url, body.slice(0, body.length - 10), { 'x-hub-signature-256': signature }), 401, 'bad_signature'],
      ['a signed body that is not JSON', async () => post(server.url, 'payload=%7B%7D', { 'x-hub-signature-256': await sign('payload=%7B%7D') }), 400, 'not_json'],
      ['a delivery id with SQL in it', () => post(server.url, body, { 'x-hub-signature-256': signature, 'x-github-delivery': "d'); DELETE FROM processed_events; --" }), 400, 'bad_headers'],
      ['an over-long delivery id', () => post(server.url, body, { 'x-hub-signature-256': signature, 'x-github-delivery': 'd'.repeat(101) }), 400, 'bad_headers'],
      ['an event name that is no event', () => post(server.url, body, { 'x-hub-signature-256': signature, 'x-github-event': 'push; rm -rf /' }), 400, 'bad_headers'],
    ];
    for (const [what, send, status, error] of cases) {
      const answer = await send();
      expect(answer.status, what).toBe(status);
      expect(answer.body, what).toEqual({ error, message: expect.stringMatching(/^[^\n]+$/) as string });
    }
    expect(await server.recorded()).toBe(0);
    expect(server.woken).toEqual([]);
    // The same delivery, well formed, still goes through: the refusals left nothing behind.
    expect((await post(server.url, body, { 'x-hub-signature-256': signature })).status).toBe(200);
    expect(server.woken).toEqual([`main ${'a'.repeat(40)}`]);
  });
});
