-- core 1.0.0: the people who started the bot. /start upserts a row; /admin counts them.
CREATE TABLE core_users (
  telegram_id bigint PRIMARY KEY,
  first_name text NOT NULL,
  username text,
  language_code text,
  first_seen timestamptz NOT NULL DEFAULT now(),
  last_seen timestamptz NOT NULL DEFAULT now(),
  starts integer NOT NULL DEFAULT 1
);
