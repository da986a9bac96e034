import { InlineKeyboard } from 'grammy';
import { BUY_DATA, edit, type Flow } from './flow.js';
import { formatMoney } from './money.js';
import type { PlanOffer } from './offer.js';

/** "Basic — $5.00/month": how a plan is named on its button and in summaries. */
export const planLabel = (flow: Flow, plan: PlanOffer): string => flow.t('buy-plan-label', { title: plan.title, price: formatMoney(plan.price, flow.locale) });

/** Step 1: one button per plan that can be paid for; the choice stays in the chat as text. */
export async function choosePlan(flow: Flow): Promise<PlanOffer> {
  const { t, offer } = flow;
  const keyboard = new InlineKeyboard();
  for (const plan of offer.plans) keyboard.text(planLabel(flow, plan), BUY_DATA.plan(plan.name)).row();
  keyboard.text(t('buy-cancel-button'), BUY_DATA.cancel);
  const details = offer.plans.filter((p) => p.description !== undefined).map((p) => `• ${p.title}: ${p.description ?? ''}`);
  const prompt = await flow.ctx.reply([t('buy-choose-plan'), ...details].join('\n'), { reply_markup: keyboard });
  for (;;) {
    const input = await flow.ask({ promptId: prompt.message_id, accepts: {}, unexpected: t('buy-use-buttons') });
    if (input.kind !== 'button') continue;
    await input.ctx.answerCallbackQuery();
    const plan = offer.plans.find((p) => BUY_DATA.plan(p.name) === input.data);
    if (plan === undefined) {
      await input.ctx.reply(t('buy-button-outdated'));
      continue;
    }
    await edit(flow, prompt.message_id, t('buy-plan-chosen', { plan: planLabel(flow, plan) }));
    return plan;
  }
}
