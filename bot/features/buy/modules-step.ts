import { InlineKeyboard } from 'grammy';
import { BUY_DATA, edit, type Flow, MODULE_DATA } from './flow.js';
import { type ChosenModule, chosenModules, type ModuleOffer, OfferInconsistentError, type PlanOffer, type Refusal, textIn, toggle } from './offer.js';

/**
 * Step 3: the optional modules as toggle buttons on one message, edited in place; the
 * multi-bot (`core`) is always in. A switch the plan's limit or a module's requirements forbid
 * is refused with the reason, as an alert on the button. Skipped when nothing can be chosen.
 * Returns the order's modules, `core` first, pinned to the versions offered.
 */
export async function chooseModules(flow: Flow, plan: PlanOffer): Promise<ChosenModule[]> {
  const { t, offer } = flow;
  if (offer.modules.length === 0 || plan.maxModules < 2) return pinned(chosenModules(offer, []));
  let selected: readonly string[] = [];
  const prompt = await flow.ctx.reply(modulesText(flow, plan), { reply_markup: keyboard(flow, selected) });
  for (;;) {
    const input = await flow.ask({ promptId: prompt.message_id, accepts: {}, unexpected: t('buy-use-buttons') });
    if (input.kind !== 'button') continue;
    if (input.data === BUY_DATA.continue) {
      const chosen = chosenModules(offer, selected);
      if ('problem' in chosen) {
        // toggle() keeps every choice consistent; this only guards against an offer that is not.
        await input.ctx.answerCallbackQuery({ text: t('buy-modules-conflict', { problem: chosen.problem }), show_alert: true });
        continue;
      }
      await input.ctx.answerCallbackQuery();
      await edit(flow, prompt.message_id, t('buy-modules-chosen', { modules: titles(flow, chosen.modules.map((m) => m.name)) }));
      return chosen.modules;
    }
    const name = MODULE_DATA.exec(input.data)?.[1];
    const result = name === undefined ? ({ ok: false, reason: 'unknown' } as const) : toggle(offer, plan, selected, name);
    if (!result.ok) {
      await input.ctx.answerCallbackQuery({ text: refusalText(flow, name ?? '', result), show_alert: true });
      continue;
    }
    selected = result.selected;
    await input.ctx.answerCallbackQuery();
    await flow.ctx.api.editMessageReplyMarkup(flow.chat, prompt.message_id, { reply_markup: keyboard(flow, selected) });
  }
}

/** Core alone always runs: offerOf() offers no core that requires anything. */
function pinned(chosen: ReturnType<typeof chosenModules>): ChosenModule[] {
  if ('problem' in chosen) throw new OfferInconsistentError(`the multi-bot alone cannot run: ${chosen.problem}`);
  return chosen.modules;
}

function modulesText(flow: Flow, plan: PlanOffer): string {
  const { t, offer, locale } = flow;
  const line = (m: ModuleOffer) => `• ${textIn(m.title, locale)}${m.description ? `: ${textIn(m.description, locale)}` : ''}`;
  const core = offer.core === null ? [] : [`• ${t('buy-module-core-line', { title: textIn(offer.core.title, locale) })}`];
  return [t('buy-choose-modules', { max: plan.maxModules }), ...core, ...offer.modules.map(line)].join('\n');
}

function keyboard(flow: Flow, selected: readonly string[]): InlineKeyboard {
  const kb = new InlineKeyboard();
  for (const m of flow.offer.modules) kb.text(`${selected.includes(m.name) ? '✅' : '▫️'} ${textIn(m.title, flow.locale)}`, BUY_DATA.module(m.name)).row();
  return kb.text(flow.t('buy-continue-button'), BUY_DATA.continue).text(flow.t('buy-cancel-button'), BUY_DATA.cancel);
}

/** Module titles in the customer's language, in the given order. */
export function titles(flow: Flow, names: readonly string[]): string {
  const all = [...(flow.offer.core ? [flow.offer.core] : []), ...flow.offer.modules];
  return names.map((n) => {
    const m = all.find((x) => x.name === n);
    return m ? textIn(m.title, flow.locale) : n;
  }).join(', ');
}

function refusalText(flow: Flow, name: string, refusal: Refusal): string {
  const { t } = flow;
  const module = titles(flow, [name]);
  switch (refusal.reason) {
    case 'core':
      return t('buy-module-core-always');
    case 'limit':
      return t('buy-module-limit', { max: refusal.max });
    case 'needs':
      return t('buy-module-needs', { module, missing: titles(flow, refusal.missing) });
    case 'needed_by':
      return t('buy-module-needed-by', { module, by: titles(flow, refusal.by) });
    case 'unknown':
      return t('buy-button-outdated');
  }
}
