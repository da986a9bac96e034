-- Up Migration
-- Billing (issue 4): the inbox of Stripe webhook events and the orders waiting for payment.

-- The inbox. The webhook only verifies the signature and inserts here, then answers at once; the
-- Git work is done later by the inbox worker (app/workers/stripe-inbox.ts), so a slow fleet repo
-- never makes Stripe retry. The primary key is Stripe's event id: a redelivery is a conflict and
-- changes nothing. `processed_at` is set once the event is handled for good, whether it
-- succeeded or can never succeed (`last_error` then says why); a failure that may pass later
-- counts `attempts` and waits until `next_attempt_at`.
CREATE TABLE stripe_events (
  id text PRIMARY KEY,
  type text NOT NULL,
  payload jsonb NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  processed_at timestamptz,
  attempts integer NOT NULL DEFAULT 0,
  last_error text,
  next_attempt_at timestamptz
);
-- What the worker asks for: the unprocessed events, oldest first.
CREATE INDEX stripe_events_pending ON stripe_events (received_at, id) WHERE processed_at IS NULL;

-- What a customer asked for before paying (billing/contract.ts PendingOrder), stored by the bot
-- and read when `checkout.session.completed` arrives. One order per tenant slug; `event_id` is
-- the Stripe event that completed it.
CREATE TABLE orders (
  tenant text PRIMARY KEY,
  payload jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  completed_at timestamptz,
  event_id text
);
