-- Up Migration
-- Delivering the outbox (app/workers/outbox-sender.ts): what became of each message, and the
-- database credentials that are sent once per tenant ever.

-- `status`: pending until it is sent, or until the sender gives up on it — `skipped` (the
-- recipient blocked the bot: never retried) or `failed` (a payload that does not fit its kind,
-- a request Telegram refuses, or too many failed attempts; `last_error` says why, without the
-- bot token or any message text). `sent_at` stays the time it was sent.
-- `message_id`: the Telegram message the row became (sent or edited), written as soon as
-- Telegram accepted it, so a retry of the row's second message (credentials) never sends the
-- first one again.
-- While a sender works on a row, `next_attempt_at` is its lease: a process that died mid-row
-- leaves it to be taken again once the lease ends.
ALTER TABLE outbox
  ADD COLUMN status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'skipped', 'failed')),
  ADD COLUMN message_id bigint,
  ADD COLUMN finished_at timestamptz;
UPDATE outbox SET status = 'sent', finished_at = sent_at WHERE sent_at IS NOT NULL;

-- What the sender asks for: pending rows, oldest first, and for each one whether an older row of
-- the same recipient is still pending (messages to one person go out in the order queued). Rows
-- given up on leave the old index, which only looked at sent_at.
DROP INDEX outbox_unsent;
CREATE INDEX outbox_pending ON outbox (id) WHERE status = 'pending';
CREATE INDEX outbox_pending_recipient ON outbox (telegram_user_id, id) WHERE status = 'pending';

-- A tenant's database credentials (host, port, database, user, password) go to its owner once,
-- after its first deploy.running; the password is derived when sending and never stored here.
-- A row is claimed (`claimed_at`) before the message is sent, so two senders never both send
-- it; `sent_at` and `message_id` are set once Telegram accepted it. A row with `sent_at` NULL is
-- a sender that stopped between the two: whether the customer got the message is unknown, and it
-- is not sent again by itself (an admin can delete the row to have it sent with the next
-- deploy.running).
CREATE TABLE credentials_sent (
  tenant text PRIMARY KEY,
  telegram_user_id bigint NOT NULL,
  outbox_id bigint REFERENCES outbox (id) ON DELETE SET NULL,
  claimed_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz,
  message_id bigint
);
