import { InlineKeyboard } from 'grammy';
import { Slug } from '../../../fleet/schema/index.js';
import { BUY_DATA, edit, type Flow } from './flow.js';
import { nameIsFree } from './name-check.js';

/**
 * Step 2: the customer types a name for the bot. It becomes the tenant slug (a DNS label:
 * databases, compose projects and folders derive from it), so it is checked as fleet/ checks a
 * slug, lowercased first as a courtesy; then against main, other customers' orders and purchases
 * waiting for review. `reason` says why the name is asked again (it was taken meanwhile).
 */
export async function chooseName(flow: Flow, reason?: string): Promise<string> {
  const { t } = flow;
  const ask = reason === undefined ? t('buy-ask-name') : `${reason}\n\n${t('buy-ask-name')}`;
  const prompt = await flow.ctx.reply(ask, { reply_markup: new InlineKeyboard().text(t('buy-cancel-button'), BUY_DATA.cancel) });
  for (;;) {
    const input = await flow.ask({ promptId: prompt.message_id, accepts: { text: true }, unexpected: t('buy-name-send-text') });
    if (input.kind !== 'text') continue;
    const name = input.text.trim().toLowerCase();
    if (!Slug.safeParse(name).success) {
      await input.ctx.reply(t('buy-name-invalid'));
      continue;
    }
    const free = await flow.conversation.external(() => nameIsFree(flow.deps, name, flow.user.id));
    if (!free) {
      await input.ctx.reply(t('buy-name-taken', { name }));
      continue;
    }
    await edit(flow, prompt.message_id, t('buy-name-chosen', { name }));
    return name;
  }
}
