import { Webhooks } from '@octokit/webhooks';
import { z } from 'zod';
import type { Db } from '../../db/db.js';
import type { Log } from '../../../fleet/log.js';
import { redactUrls } from '../../../fleet/repo/git/runner.js';
import type { Secret } from '../../../fleet/secret.js';
import { MAIN } from '../../../fleet/repo/types.js';
import type { RouteGroup } from '../server.js';

/**
 * `POST /webhooks/github`: the fleet repo's webhook (content type `application/json`, events
 * `push` and `pull_request`). The `X-Hub-Signature-256` HMAC is checked by `@octokit/webhooks`
 * over the raw body before anything of the request is believed; a missing or wrong one is 401
 * and nothing happens. Each delivery is recorded by its `X-GitHub-Delivery` id in
 * `processed_events` (source `github`), so a redelivery is acknowledged and does nothing.
 *
 * - a push to main wakes the reconciler loop (`onMainMoved`): the loop reads main itself, the
 *   payload only says when to look;
 * - a pull request opened, synchronized or reopened asks for its plan (`onPullRequest`), which
 *   runs after the answer: observing the world can outlast GitHub's 10 s delivery timeout;
 * - `ping` (sent when the hook is created) answers 200; any other event is acknowledged and ignored.
 *
 * The event name and delivery id are headers, outside the signature: a replayed body under
 * another event name fails the payload's shape check, and under a new delivery id can at most
 * repeat a kick or a plan, both idempotent. Logs carry the delivery id, event and PR number only.
 */

export const GITHUB_WEBHOOK_PATH = '/webhooks/github';
const SOURCE = 'github';
const PR_ACTIONS: ReadonlySet<string> = new Set(['opened', 'synchronize', 'reopened']);

export interface GitHubWebhookOptions {
  readonly db: Db;
  readonly webhookSecret: Secret;
  /** main of the fleet repo moved: wake the reconciler loop (`head` is the new main). */
  readonly onMainMoved: (head: string) => void;
  /** A PR's head changed: plan it into its comment. Runs after the answer; a rejection is logged. */
  readonly onPullRequest: (pr: number, headSha: string) => Promise<void>;
  /** `owner/name` of the fleet repo: events of another repository the hook was added to are ignored. */
  readonly repository?: string;
  /** GitHub caps payloads at 25 MB; the events used here are small, a push of many commits the largest. */
  readonly bodyLimit?: number;
}

/** What a delivery led to, in the answer (for GitHub's delivery log) and in ours. */
export type DeliveryAction = 'pong' | 'reconcile' | 'plan' | 'ignored';

const Repo = z.object({ full_name: z.string() });
const PushPayload = z.object({ ref: z.string(), after: z.string().regex(/^[0-9a-f]{40,64}$/), deleted: z.boolean().optional(), repository: Repo });
const PullRequestPayload = z.object({
  action: z.string(),
  number: z.number().int().positive(),
  pull_request: z.object({ head: z.object({ sha: z.string().regex(/^[0-9a-f]{40,64}$/) }), base: z.object({ ref: z.string() }) }),
  repository: Repo,
});

type Decision = { readonly action: DeliveryAction; readonly run?: () => void; readonly pr?: number };

export function githubWebhookRoutes(opts: GitHubWebhookOptions): RouteGroup {
  const webhooks = new Webhooks({ secret: opts.webhookSecret.reveal() });
  // Plans still running when the server closes are awaited, so shutdown does not cut one mid-comment.
  const running = new Set<Promise<void>>();
  return {
    name: 'github',
    register(scope) {
      // Only JSON, kept as raw bytes: the signature is over the exact body GitHub sent. A hook set
      // to `application/x-www-form-urlencoded` finds no parser here and gets fastify's 415.
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: opts.bodyLimit ?? 5 * 1024 * 1024 }, (_request, body, done) => {
        done(null, body);
      });
      scope.addHook('onClose', async () => {
        await Promise.allSettled([...running]);
      });
      scope.post(GITHUB_WEBHOOK_PATH, async (request, reply) => {
        if (!Buffer.isBuffer(request.body) || request.body.length === 0) {
          return reply.code(400).send({ error: 'no_body', message: 'send the event as a JSON body' });
        }
        const signature = header(request.headers['x-hub-signature-256']);
        if (signature === undefined) {
          request.log.warn({ reason: 'unsigned' }, 'github webhook refused');
          return reply.code(401).send({ error: 'unsigned', message: 'no X-Hub-Signature-256 header: set the webhook secret on the hook' });
        }
        // A body that is not UTF-8 changes in the conversion and so fails the check: refused, never misread.
        const text = request.body.toString('utf8');
        if (!(await webhooks.verify(text, signature).catch(() => false))) {
          request.log.warn({ reason: 'bad_signature' }, 'github webhook refused');
          return reply.code(401).send({ error: 'bad_signature', message: 'X-Hub-Signature-256 does not match the body and the webhook secret' });
        }
        const event = header(request.headers['x-github-event']);
        const delivery = header(request.headers['x-github-delivery']);
        if (event === undefined || delivery === undefined || !/^[A-Za-z0-9._-]{1,100}$/.test(delivery) || !/^[a-z_]{1,60}$/.test(event)) {
          return reply.code(400).send({ error: 'bad_headers', message: 'X-GitHub-Event and X-GitHub-Delivery are required' });
        }
        let payload: unknown;
        try {
          payload = JSON.parse(text);
        } catch {
          return reply.code(400).send({ error: 'not_json', message: 'the body is not JSON' });
        }
        const inserted = await opts.db.query(`INSERT INTO processed_events (source, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [SOURCE, delivery]);
        if (inserted.rowCount === 0) {
          request.log.info({ delivery, event, duplicate: true }, 'github delivery already handled');
          return reply.code(200).send({ received: true, duplicate: true, action: 'ignored' });
        }
        const decision = decide(event, payload, opts, request.log);
        request.log.info({ delivery, event, action: decision.action, ...(decision.pr === undefined ? {} : { pr: decision.pr }) }, 'github delivery handled');
        decision.run?.();
        return reply.code(200).send({ received: true, duplicate: false, action: decision.action });
      });
    },
  };

  function decide(event: string, payload: unknown, o: GitHubWebhookOptions, log: Log): Decision {
    const ours = (repo: { full_name: string }) => o.repository === undefined || repo.full_name.toLowerCase() === o.repository.toLowerCase();
    if (event === 'ping') return { action: 'pong' };
    if (event === 'push') {
      const push = PushPayload.safeParse(payload);
      // A deleted main has no head to reconcile; the loop reports the missing branch by itself.
      if (!push.success || !ours(push.data.repository) || push.data.ref !== `refs/heads/${MAIN}` || push.data.deleted === true) return { action: 'ignored' };
      const head = push.data.after;
      return { action: 'reconcile', run: () => o.onMainMoved(head) };
    }
    if (event === 'pull_request') {
      const pr = PullRequestPayload.safeParse(payload);
      if (!pr.success || !ours(pr.data.repository) || !PR_ACTIONS.has(pr.data.action) || pr.data.pull_request.base.ref !== MAIN) return { action: 'ignored' };
      const { number } = pr.data;
      const head = pr.data.pull_request.head.sha;
      return {
        action: 'plan',
        pr: number,
        run: () => {
          const job: Promise<void> = o
            .onPullRequest(number, head)
            // Driver and API messages can carry URLs with credentials: redacted before logging.
            .catch((error: unknown) => log.warn({ pr: number, error: redactUrls(error instanceof Error ? error.message : String(error)) }, 'plan comment failed'))
            .finally(() => running.delete(job));
          running.add(job);
        },
      };
    }
    return { action: 'ignored' };
  }
}

function header(value: string | string[] | undefined): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  return v === undefined || v === '' ? undefined : v;
}
