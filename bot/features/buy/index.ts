import { createConversation } from '@grammyjs/conversations';
import { Composer, type Context } from 'grammy';
import type { BotContext } from '../../context.js';
import { createI18n } from '../../i18n.js';
import { MENU } from '../../main-menu.js';
import type { BotDeps } from '../../ports.js';
import { mayEnter } from '../start.js';
import { BUY_CONVERSATION, purchase } from './purchase.js';
import { TokenSteps, tokenGuard } from './token-guard.js';

/** A purchase left alone this long is over: the next message goes to the rest of the bot. */
const IDLE_LIMIT_MS = 24 * 3600 * 1000;

/**
 * Buying a multi-bot: the main menu's "Buy" and /buy start the purchase conversation (after the
 * required channel check), leaving any other conversation. The token guard sits in front of the
 * conversation so that no bot token is ever recorded in its state.
 */
export function buyFeature(deps: BotDeps): Composer<BotContext> {
  const feature = new Composer<BotContext>();
  const i18n = createI18n();
  const steps = new TokenSteps(deps);
  feature.use(tokenGuard(deps, steps, (ctx) => ctx.conversation.active(BUY_CONVERSATION) > 0));
  feature.use(
    createConversation<BotContext, Context>((conversation, ctx) => purchase(conversation, ctx, { deps, i18n, steps }), {
      id: BUY_CONVERSATION,
      maxMillisecondsToWait: IDLE_LIMIT_MS,
    }),
  );
  const start = async (ctx: BotContext) => {
    if (ctx.callbackQuery) await ctx.answerCallbackQuery();
    if (!(await mayEnter(ctx, deps))) return;
    await ctx.conversation.exitAll();
    await ctx.conversation.enter(BUY_CONVERSATION);
  };
  feature.callbackQuery(MENU.buy, start);
  feature.command('buy', start);
  return feature;
}
