-- Up Migration
-- The control database: operational state only (DESIGN.md "Two kinds of state"). Desired state
-- lives in the fleet repo and is never copied here. Every time is a timestamptz.

-- Tenant databases may live on this same server (TENANT_DATABASE_URL defaults to DATABASE_URL),
-- and PostgreSQL lets every role CONNECT to a new database. Keep the tenants' roles out: only
-- the role running the migrations (and superusers) may connect from now on.
DO $$
BEGIN
  EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), current_user);
  EXECUTE format('REVOKE CONNECT ON DATABASE %I FROM PUBLIC', current_database());
END
$$;

-- The reconcile journal: one operation per (owner, plan), its steps, its outcome. An owner is a
-- tenant slug or `host:<name>`.
CREATE TABLE reconcile_operations (
  id bigserial PRIMARY KEY,
  tenant text NOT NULL,
  revision text NOT NULL,
  plan_hash text NOT NULL,
  actions jsonb NOT NULL,
  status text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'superseded')),
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  error text
);
-- The tenant lock keeps one writer per owner; this turns a bug there into an error instead of
-- two journals for one owner.
CREATE UNIQUE INDEX reconcile_operations_one_running ON reconcile_operations (tenant) WHERE status = 'running';
CREATE INDEX reconcile_operations_tenant_started ON reconcile_operations (tenant, started_at DESC);

CREATE TABLE reconcile_steps (
  operation_id bigint NOT NULL REFERENCES reconcile_operations (id) ON DELETE CASCADE,
  action_id text NOT NULL,
  kind text NOT NULL,
  status text NOT NULL CHECK (status IN ('started', 'done', 'failed')),
  attempt integer NOT NULL DEFAULT 1,
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  error text,
  result jsonb,
  PRIMARY KEY (operation_id, action_id)
);

-- Per-owner status, Flux style: conditions Ready / Reconciling / Stalled, each
-- { "status": ..., "reason": ..., "message": ... }.
CREATE TABLE tenant_status (
  tenant text PRIMARY KEY,
  conditions jsonb NOT NULL DEFAULT '{}'::jsonb,
  last_attempted_revision text,
  last_applied_revision text,
  manifest_hash text,
  failures integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Pinned SSH host keys of the machines buckfleet made: `tenant:<slug>` or `host:<name>`.
-- Stored before the droplet exists, so droplet_id and address may still be unknown.
CREATE TABLE host_keys (
  host text PRIMARY KEY,
  droplet_id bigint,
  address text,
  public_key text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- What happened, for the record and for bot/ to turn into messages.
CREATE TABLE events (
  id bigserial PRIMARY KEY,
  tenant text,
  kind text NOT NULL,
  payload jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX events_tenant_created ON events (tenant, created_at);

-- Telegram messages to send, once each (dedupe_key), with retries.
CREATE TABLE outbox (
  id bigserial PRIMARY KEY,
  dedupe_key text NOT NULL UNIQUE,
  telegram_user_id bigint NOT NULL,
  kind text NOT NULL,
  payload jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz,
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz,
  last_error text
);
CREATE INDEX outbox_unsent ON outbox (next_attempt_at NULLS FIRST, id) WHERE sent_at IS NULL;

-- Webhook events already handled (Stripe, GitHub): a redelivery is recognised and skipped.
CREATE TABLE processed_events (
  source text NOT NULL,
  event_id text NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (source, event_id)
);

CREATE TABLE audit_log (
  id bigserial PRIMARY KEY,
  actor text NOT NULL,
  action text NOT NULL,
  subject text,
  detail jsonb NOT NULL DEFAULT '{}'::jsonb,
  at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_subject_at ON audit_log (subject, at);

-- Who holds an owner's lock, since when, why (Kamal's lock file, as a row). The lock itself is a
-- session advisory lock (reconciler/lock.ts); backend_pid is the session holding it, so a row
-- left by a crashed process is recognisable: no such backend in pg_stat_activity.
CREATE TABLE reconciler_locks (
  tenant text PRIMARY KEY,
  holder text NOT NULL,
  since timestamptz NOT NULL DEFAULT now(),
  reason text NOT NULL,
  backend_pid integer NOT NULL
);
