import type { Db } from '../../db/db.js';
import type { Secret } from '../../../fleet/secret.js';
import type { RouteGroup } from '../server.js';
import { verifyStripeEvent } from './stripe-verify.js';

/**
 * `POST /webhooks/stripe`: verify, record, acknowledge. The event goes into the `stripe_events`
 * inbox and the answer is 200 at once; the inbox worker does the Git work later, so a slow fleet
 * repo never makes Stripe time out and retry. A refused request (400) writes nothing. A
 * redelivery of a recorded event is acknowledged and changes nothing (the event id is the key).
 *
 * Nothing of the request is logged beyond the event id and type: the body holds customer data
 * (names, emails, card details) and the header a signature.
 */

export const STRIPE_WEBHOOK_PATH = '/webhooks/stripe';

export interface StripeWebhookOptions {
  readonly db: Db;
  readonly webhookSecret: Secret;
  /** Called after a new event is recorded: wakes the inbox worker instead of waiting for its poll. */
  readonly onRecorded?: () => void;
  /** Stripe's events are a few KiB; a larger body is no event of ours. */
  readonly bodyLimit?: number;
  readonly toleranceSeconds?: number;
}

export function stripeWebhookRoutes(opts: StripeWebhookOptions): RouteGroup {
  return {
    name: 'stripe',
    register(scope) {
      // Only JSON, and as raw bytes: the signature is over the exact body Stripe sent. Other
      // content types find no parser and get fastify's 415; oversized bodies its 413.
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: opts.bodyLimit ?? 1024 * 1024 }, (_request, body, done) => {
        done(null, body);
      });
      scope.post(STRIPE_WEBHOOK_PATH, async (request, reply) => {
        if (!Buffer.isBuffer(request.body)) {
          return reply.code(415).send({ error: 'unsupported_media_type', message: 'send the event as application/json' });
        }
        const header = request.headers['stripe-signature'];
        const verified = verifyStripeEvent(request.body, Array.isArray(header) ? header.join(',') : header, opts.webhookSecret, {
          ...(opts.toleranceSeconds !== undefined ? { toleranceSeconds: opts.toleranceSeconds } : {}),
        });
        if (!verified.ok) {
          request.log.warn({ reason: verified.reason }, 'stripe webhook refused');
          return reply.code(400).send({ error: verified.reason, message: verified.message });
        }
        const { id, type } = verified.event;
        // The verified body itself is stored (valid JSON, since it parsed), not a re-serialisation.
        const inserted = await opts.db.query(
          `INSERT INTO stripe_events (id, type, payload, received_at, attempts) VALUES ($1, $2, $3::jsonb, now(), 0)
           ON CONFLICT (id) DO NOTHING`,
          [id, type, request.body.toString('utf8')],
        );
        const duplicate = inserted.rowCount === 0;
        request.log.info({ event: id, type, duplicate }, duplicate ? 'stripe event already recorded' : 'stripe event recorded');
        if (!duplicate) opts.onRecorded?.();
        return reply.code(200).send({ received: true, duplicate });
      });
    },
  };
}
