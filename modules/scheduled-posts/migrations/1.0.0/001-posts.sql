-- scheduled-posts 1.0.0: posts the owner schedules (INSERT a row with chat_id, text, due_at),
-- sent once by the worker when due. A row is claimed (claimed_at) before it is sent, so a post
-- goes out at most once, even with two workers or after a crash between sending and recording.
CREATE TABLE scheduled_posts (
  id bigserial PRIMARY KEY,
  chat_id bigint NOT NULL,
  text text NOT NULL CHECK (length(text) BETWEEN 1 AND 4096),
  due_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  claimed_at timestamptz,
  sent_at timestamptz,
  message_id bigint,
  -- Why it was not sent (a chat the tenant does not serve, Telegram refused it); never retried.
  error text
);
CREATE INDEX scheduled_posts_due ON scheduled_posts (due_at) WHERE claimed_at IS NULL;
