-- Up Migration
-- The bot (issue 5): who talks to it, what it remembers between updates, what customers and
-- admins asked for that is not (yet) a fleet change.

-- Telegram users the bot has seen. `language` is the user's own choice in the bot's settings and
-- overrides Telegram's language_code; `blocked_at` is set when Telegram says the user blocked the
-- bot (403), so the outbox skips them until they write again.
CREATE TABLE telegram_users (
  id bigint PRIMARY KEY,
  username text,
  first_name text,
  telegram_language text,
  language text,
  blocked_at timestamptz,
  first_seen_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now()
);

-- grammY storage (sessions, conversations, menus): one JSON value per key, so a restart in the
-- middle of a purchase resumes where the customer was.
CREATE TABLE bot_state (
  key text PRIMARY KEY,
  value jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Manual payments (bank transfer, crypto): the customer's proof, then an admin's decision. An
-- approval becomes a `billing.record` change naming the admin; `decided_*` is written once.
CREATE TABLE manual_payments (
  id bigserial PRIMARY KEY,
  tenant text NOT NULL,
  telegram_user_id bigint NOT NULL,
  kind text NOT NULL CHECK (kind IN ('purchase', 'renewal')),
  -- A Telegram file id of the photo, or the reference the customer typed; at least one.
  photo_file_id text,
  reference text,
  amount integer NOT NULL,
  currency text NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
  decided_by bigint,
  decided_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK (photo_file_id IS NOT NULL OR reference IS NOT NULL)
);
CREATE INDEX manual_payments_pending ON manual_payments (created_at) WHERE status = 'pending';
-- One proof waiting per tenant: a second one replaces nothing and is refused with a clear answer.
CREATE UNIQUE INDEX manual_payments_one_pending ON manual_payments (tenant) WHERE status = 'pending';

-- Operational requests that are not fleet changes (a restart): journaled here, rate-limited by
-- the bot, carried out by the reconciler process, which owns the hosts.
CREATE TABLE tenant_operations (
  id bigserial PRIMARY KEY,
  tenant text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('restart')),
  requested_by bigint NOT NULL,
  requested_at timestamptz NOT NULL DEFAULT now(),
  status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'failed')),
  started_at timestamptz,
  finished_at timestamptz,
  error text
);
CREATE INDEX tenant_operations_queued ON tenant_operations (requested_at, id) WHERE status = 'queued';
CREATE INDEX tenant_operations_tenant ON tenant_operations (tenant, requested_at DESC);

-- The one progress message per (user, tenant, deploy) that the outbox edits instead of sending
-- a new message for every step.
CREATE TABLE progress_messages (
  telegram_user_id bigint NOT NULL,
  topic text NOT NULL,
  message_id bigint NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (telegram_user_id, topic)
);
