-- welcome 1.0.0: one row per join of core_chat_joins (core >= 1.1) that welcome took on.
-- The row is written (claimed) before the greeting is sent, so a join is greeted at most once,
-- even by two welcome containers or after a crash. No foreign key to core_chat_joins: the
-- reconciler may migrate the tenant's modules in any order.
CREATE TABLE welcome_greetings (
  join_id bigint PRIMARY KEY,
  claimed_at timestamptz NOT NULL,
  sent_at timestamptz,
  message_id bigint,
  -- Why Telegram refused it (e.g. the bot was removed from the chat); never retried.
  error text
);
