import { type Conversation, createConversation } from '@grammyjs/conversations';
import { Composer, type Context, GrammyError, InlineKeyboard } from 'grammy';
import type { BaseContext, BotContext } from '../../context.js';
import type { TokenCheck } from '../../ports.js';
import { changeId, ownedTenant, requester } from './access.js';
import { myData } from './callback-data.js';
import { enterConversation, isCancel, isElsewhere, WAIT_LIMIT_MS } from './conversation-helpers.js';
import { onTenantAction } from './route.js';
import { submitAndReport } from './submit.js';

const REPLACE_TOKEN = 'my-replace-token';

/** The token checker failed unexpectedly; its own message is not kept, since it may quote the token. */
export class TokenCheckFailedError extends Error {
  override readonly name = 'TokenCheckFailedError';
  constructor(
    readonly context: { readonly tenant: string; readonly user: number; readonly cause: string },
  ) {
    super(`checking the new bot token of ${context.tenant} failed: ${context.cause}`);
  }
}

/**
 * Replacing a bot's token: the customer sends the new one, the message is deleted at once, the
 * token is checked with getMe, sealed to the fleet's age recipient, and goes into the fleet as a
 * `tenant.update` setting `secrets.BOT_TOKEN`. The plaintext lives only in this process, for
 * this one update: the conversation takes no step after the message with the token, so its
 * state (which holds the updates it waited for) is never stored with the token in it.
 */
export function token(): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  onTenantAction(composer, 'token', async (ctx, _action, { record }) => {
    await ctx.answerCallbackQuery();
    await enterConversation(ctx, REPLACE_TOKEN, record.slug);
  });
  return composer;
}

/** The replace-token dialogue; installed before every button handler of the feature (index.ts). */
export const replaceTokenDialogue = () => createConversation<BaseContext, Context>(replaceTokenConversation, { id: REPLACE_TOKEN, maxMillisecondsToWait: WAIT_LIMIT_MS });

async function replaceTokenConversation(conversation: Conversation<BaseContext, Context>, _ctx: Context, slug: string): Promise<void> {
  const say = (key: string, variables: Record<string, string | number> = {}) =>
    conversation.external(async (o) => {
      await o.reply(o.t(key, variables));
    });
  await say('my-token-ask', { bot: slug });
  for (;;) {
    const ctx = await conversation.wait();
    if (isCancel(ctx)) {
      await say('my-cancelled');
      return;
    }
    if (isElsewhere(ctx)) await conversation.halt({ next: true });
    if (ctx.message?.text === undefined) {
      if (ctx.message !== undefined) await say('my-token-not-text');
      continue;
    }
    // Whatever text comes now is taken as the token (a mistyped one is a secret too): it is
    // deleted, checked, and the dialogue ends here either way.
    const text = ctx.message.text;
    await conversation.external((o) => replaceToken(o, slug, text.trim()));
    return;
  }
}

async function replaceToken(ctx: BaseContext, slug: string, plaintext: string): Promise<void> {
  const userId = ctx.from?.id;
  const messageId = ctx.message?.message_id;
  if (userId === undefined || messageId === undefined) throw new Error('replaceToken needs the message that holds the token');
  await deleteTokenMessage(ctx, slug);
  const record = ownedTenant(await ctx.deps.fleet.current(), slug, userId);
  if (record === null) {
    await ctx.reply(ctx.t('button-outdated'));
    return;
  }
  const check = await checkToken(ctx, slug, userId, plaintext);
  if (!check.ok) {
    const retry = new InlineKeyboard().text(ctx.t('my-token-retry'), myData({ verb: 'token', slug })).row().text(ctx.t('my-button-back-bot'), myData({ verb: 'bot', slug }));
    const reason = check.reason === 'invalid' ? ctx.t('my-token-invalid') : check.reason === 'revoked' ? ctx.t('my-token-revoked') : ctx.t('my-token-unreachable');
    await ctx.reply(reason, { reply_markup: retry });
    return;
  }
  const sealed = await ctx.deps.seal(plaintext);
  await submitAndReport(ctx, slug, {
    kind: 'tenant.update',
    // The message that carried the token identifies the request: Telegram delivering it twice
    // is one change, a new token sent later is another.
    id: changeId(userId, 'token', record, { message: messageId }),
    requestedBy: requester(ctx),
    slug,
    reason: 'the owner replaced the bot token',
    secrets: { set: { BOT_TOKEN: sealed } },
  }, ctx.t('my-what-token', { bot: slug, username: check.username }));
}

/** The token must not stay in the chat; if Telegram refuses, the customer is asked to delete it. */
async function deleteTokenMessage(ctx: BaseContext, slug: string): Promise<void> {
  try {
    await ctx.deleteMessage();
  } catch (error) {
    if (!(error instanceof GrammyError)) throw error;
    ctx.deps.log.warn({ tenant: slug, user: ctx.from?.id, error: `${error.method}: ${error.description}` }, 'could not delete the message with a bot token');
    await ctx.reply(ctx.t('my-token-delete-yourself'));
  }
}

async function checkToken(ctx: BaseContext, slug: string, userId: number, plaintext: string): Promise<TokenCheck> {
  try {
    return await ctx.deps.tokens.check(plaintext);
  } catch (error) {
    // An unexpected failure's text may carry the request URL, and the URL carries the token.
    const cause = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new TokenCheckFailedError({ tenant: slug, user: userId, cause: cause.split(plaintext).join('[token]') });
  }
}
