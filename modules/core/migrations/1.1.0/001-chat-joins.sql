-- core 1.1.0: members joining the tenant's chats, as core (the only getUpdates poller of the
-- bot token) sees them. Other modules (welcome) read this table instead of polling Telegram
-- themselves: two pollers on one token make Telegram answer 409 Conflict to one of them.
CREATE TABLE core_chat_joins (
  id bigserial PRIMARY KEY,
  -- The update that told core; with user_id it makes a redelivered update a no-op.
  update_id bigint NOT NULL,
  chat_id bigint NOT NULL,
  user_id bigint NOT NULL,
  first_name text NOT NULL,
  username text,
  -- Telegram's date of the join, not the time core wrote the row.
  joined_at timestamptz NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (update_id, user_id)
);
CREATE INDEX core_chat_joins_recent ON core_chat_joins (joined_at);
