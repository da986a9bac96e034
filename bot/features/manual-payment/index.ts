import { createConversation } from '@grammyjs/conversations';
import { Composer, type Context } from 'grammy';
import type { BotContext } from '../../context.js';
import { createI18n } from '../../i18n.js';
import type { BotDeps } from '../../ports.js';
import { MANUAL_PAYMENT_DATA, parseManualPaymentData } from './callback.js';
import { type ManualArgs, manualPayment, MANUAL_CONVERSATION, refusal } from './conversation.js';
import { amountDue, pendingProof } from './due.js';

/** A proof may take days to get (a bank transfer); past this, the button is pressed again. */
const IDLE_LIMIT_MS = 7 * 24 * 3600 * 1000;

/**
 * Manual payments, the customer's side: `pay:manual:<slug>:<purchase|renewal>` (the buy flow's
 * and My bots' "Pay manually") checks that the user owns what it names and that nothing waits
 * for review already, then asks for the proof in a conversation. Crafted or stale data changes
 * nothing: it gets the same answer as something that does not exist.
 */
export function manualPaymentFeature(deps: BotDeps): Composer<BotContext> {
  const feature = new Composer<BotContext>();
  const i18n = createI18n();
  feature.use(
    createConversation<BotContext, Context>((conversation, ctx, args: ManualArgs) => manualPayment(conversation, ctx, args, deps, i18n), {
      id: MANUAL_CONVERSATION,
      maxMillisecondsToWait: IDLE_LIMIT_MS,
    }),
  );
  feature.callbackQuery(MANUAL_PAYMENT_DATA, async (ctx, next) => {
    const request = parseManualPaymentData(ctx.callbackQuery.data);
    if (request === null) return next();
    await ctx.answerCallbackQuery();
    const due = await amountDue(deps, request, ctx.from.id);
    if (!due.ok) return void (await ctx.reply(refusal(ctx.t, due.reason, request.tenant)));
    if ((await pendingProof(deps, request.tenant)) !== undefined) return void (await ctx.reply(refusal(ctx.t, 'waiting', request.tenant)));
    // One conversation at a time: paying leaves a purchase or another flow in progress.
    await ctx.conversation.exitAll();
    const args: ManualArgs = request;
    await ctx.conversation.enter(MANUAL_CONVERSATION, args);
  });
  return feature;
}
