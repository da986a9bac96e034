import type pg from 'pg';

/** Sends one text message as the tenant's bot; returns Telegram's message id. */
export type SendMessage = (chatId: number, text: string) => Promise<number>;

export interface PostsDeps {
  readonly db: Pick<pg.Pool, 'query'>;
  readonly send: SendMessage;
  /** The tenant's chats: a post to any other chat is not sent. */
  readonly chatIds: readonly number[];
  readonly batch?: number;
}

export interface PostsResult extends Record<string, number> {
  readonly sent: number;
  readonly failed: number;
  /** Due, but for a chat the tenant does not list. */
  readonly refused: number;
}

/**
 * One pass: claims the posts due at `now` (claimed_at set and committed before anything is sent;
 * SKIP LOCKED, so two workers take different rows), then sends each to its chat. A post goes out
 * at most once: a crash after the claim loses it (its row keeps claimed_at without sent_at, for
 * the owner to see) rather than posting it twice to a channel.
 */
export async function sendDuePosts(deps: PostsDeps, now: Date): Promise<PostsResult> {
  const claimed = await deps.db.query<{ id: string; chat_id: string; text: string; due_at: Date }>(
    `UPDATE scheduled_posts SET claimed_at = $1
     WHERE id IN (SELECT id FROM scheduled_posts WHERE claimed_at IS NULL AND due_at <= $1
                  ORDER BY due_at, id LIMIT $2 FOR UPDATE SKIP LOCKED)
     RETURNING id, chat_id, text, due_at`,
    [now, deps.batch ?? 20],
  );
  const served = new Set(deps.chatIds);
  const result = { sent: 0, failed: 0, refused: 0 };
  const posts = claimed.rows.sort((a, b) => a.due_at.getTime() - b.due_at.getTime() || Number(a.id) - Number(b.id));
  for (const post of posts) {
    const chatId = Number(post.chat_id);
    if (!served.has(chatId)) {
      await deps.db.query('UPDATE scheduled_posts SET error = $2 WHERE id = $1', [post.id, "the chat is not one of the tenant's chats"]);
      result.refused++;
      continue;
    }
    try {
      const messageId = await deps.send(chatId, post.text);
      await deps.db.query('UPDATE scheduled_posts SET sent_at = $2, message_id = $3 WHERE id = $1', [post.id, now, messageId]);
      result.sent++;
    } catch (error) {
      // Telegram's refusal (e.g. the bot is no longer an admin of the channel): kept for the owner, not retried.
      await deps.db.query('UPDATE scheduled_posts SET error = $2 WHERE id = $1', [post.id, error instanceof Error ? error.message.slice(0, 500) : String(error)]);
      result.failed++;
    }
  }
  return result;
}
