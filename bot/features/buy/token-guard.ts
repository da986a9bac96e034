import { GrammyError, type MiddlewareFn, type StorageAdapter } from 'grammy';
import { z } from 'zod';
import type { BotContext } from '../../context.js';
import type { BotDeps, TokenCheck } from '../../ports.js';
import { commandOf } from './command.js';

/**
 * Keeps customers' bot tokens out of everything but the sealer.
 *
 * The conversations plugin records every update a conversation receives in its replay log, and
 * that log is stored in bot_state. A message holding a bot token must therefore never reach the
 * purchase conversation as it is. This middleware runs just before the conversation and, for a
 * message that holds a token (any message at the token step, a token-shaped text at any other):
 * deletes it from the chat, says "Checking the token…", checks it with getMe, seals it, and then
 * rewrites the message: the text becomes a placeholder and the outcome (bot username, sealed
 * token, the progress message to edit, whether the deletion worked) is attached under
 * {@link OUTCOME_FIELD}. The conversation reads the outcome, never the token.
 */

/** Where the outcome is attached to the rewritten message. Telegram never sends this field. */
const OUTCOME_FIELD = 'buckfleet_token_check';
export const TOKEN_PLACEHOLDER = '[bot token removed]';

/** A bot token anywhere in a text (bot/token-check.ts BOT_TOKEN, unanchored). */
const TOKEN_INSIDE = /\d{5,16}:[A-Za-z0-9_-]{30,50}/;

const Deleted = { deleted: z.boolean() };
export const TokenOutcome = z.discriminatedUnion('status', [
  z.object({ status: z.literal('ok'), botId: z.number().int(), username: z.string().min(1).max(64), sealed: z.string().min(1), progressMessageId: z.number().int(), ...Deleted }),
  z.object({ status: z.enum(['invalid', 'revoked', 'unreachable', 'error']), progressMessageId: z.number().int(), ...Deleted }),
  /** A token sent at another step: removed, not checked. */
  z.object({ status: z.literal('stray'), ...Deleted }),
]);
export type TokenOutcome = z.infer<typeof TokenOutcome>;

/** The outcome the guard attached to a message, or null for any other message. */
export function tokenOutcomeOf(message: object): TokenOutcome | null {
  if (!(OUTCOME_FIELD in message)) return null;
  const parsed = TokenOutcome.safeParse((message as Record<string, unknown>)[OUTCOME_FIELD]);
  return parsed.success ? parsed.data : null;
}

/**
 * Which chats are at the token step: the conversation marks its chat before asking for the
 * token and clears the mark once it has one. Kept in bot_state, so it survives a restart as the
 * conversation does.
 */
export class TokenSteps {
  private readonly adapter: StorageAdapter<{ readonly since: string }>;

  constructor(deps: BotDeps) {
    this.adapter = deps.storage.adapter<{ readonly since: string }>('buy-token-step:');
  }

  async mark(chat: number, since: Date): Promise<void> {
    await this.adapter.write(String(chat), { since: since.toISOString() });
  }

  async clear(chat: number): Promise<void> {
    await this.adapter.delete(String(chat));
  }

  async awaiting(chat: number): Promise<boolean> {
    return (await this.adapter.read(String(chat))) !== undefined;
  }
}

/** `active`: whether the purchase conversation runs in this chat (ctx.conversation.active). */
export function tokenGuard(deps: BotDeps, steps: TokenSteps, active: (ctx: BotContext) => boolean): MiddlewareFn<BotContext> {
  return async (ctx, next) => {
    const message = ctx.message;
    if (message === undefined) return next();
    // Only this guard may attach an outcome; whatever arrives with one is not believed.
    if (OUTCOME_FIELD in message) delete (message as unknown as Record<string, unknown>)[OUTCOME_FIELD];
    if (!active(ctx)) return next();
    const atTokenStep = await steps.awaiting(message.chat.id);
    const text = message.text ?? message.caption;
    const holdsToken = text !== undefined && TOKEN_INSIDE.test(text);
    // /cancel at the token step is a command, not a token.
    const command = commandOf(message) !== null;

    if (atTokenStep && message.text !== undefined && !(command && !holdsToken)) {
      const token = message.text.trim();
      const deleted = await deleteHoldingMessage(ctx, deps);
      const progress = await ctx.reply(ctx.t('buy-token-checking'));
      const outcome = await checkAndSeal(deps, token);
      rewrite(message, { ...outcome, progressMessageId: progress.message_id, deleted });
    } else if (holdsToken) {
      rewrite(message, { status: 'stray', deleted: await deleteHoldingMessage(ctx, deps) });
    }
    return next();
  };
}

type Checked = { status: 'ok'; botId: number; username: string; sealed: string } | { status: Exclude<TokenCheck, { ok: true }>['reason'] | 'error' };

async function checkAndSeal(deps: BotDeps, token: string): Promise<Checked> {
  let check: TokenCheck;
  try {
    check = await deps.tokens.check(token);
  } catch (error) {
    deps.log.error({ error: withoutToken(error, token) }, 'could not check a bot token');
    return { status: 'error' };
  }
  if (!check.ok) return { status: check.reason };
  try {
    return { status: 'ok', botId: check.id, username: check.username, sealed: await deps.seal(token) };
  } catch (error) {
    deps.log.error({ error: withoutToken(error, token) }, 'could not seal a bot token');
    return { status: 'error' };
  }
}

async function deleteHoldingMessage(ctx: BotContext, deps: BotDeps): Promise<boolean> {
  try {
    await ctx.deleteMessage();
    return true;
  } catch (error) {
    // Telegram's description names the chat and message, never their text.
    const reason = error instanceof GrammyError ? error.description : error instanceof Error ? error.name : 'unknown';
    deps.log.warn({ chat: ctx.chat?.id, message: ctx.msg?.message_id, reason }, 'could not delete a message holding a bot token');
    return false;
  }
}

function rewrite(message: NonNullable<BotContext['message']>, outcome: TokenOutcome): void {
  if (message.text !== undefined) message.text = TOKEN_PLACEHOLDER;
  if (message.caption !== undefined) message.caption = TOKEN_PLACEHOLDER;
  delete message.entities;
  delete message.caption_entities;
  Object.assign(message, { [OUTCOME_FIELD]: outcome });
}

/** An error's name and message for the log, with the token and anything shaped like one cut out. */
function withoutToken(error: unknown, token: string): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.split(token).join('[token]').replace(new RegExp(TOKEN_INSIDE.source, 'g'), '[token]');
}
