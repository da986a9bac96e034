import { InlineKeyboard } from 'grammy';
import { BUY_DATA, edit, type Flow } from './flow.js';
import type { TokenOutcome } from './token-guard.js';

export type AcceptedToken = Extract<TokenOutcome, { status: 'ok' }>;

/**
 * Step 4: the token from @BotFather. The chat is marked as at the token step first, so the
 * token guard (token-guard.ts) takes the next text out of the update before this conversation
 * records it: what arrives here is the guard's outcome, never the token. A token that is not
 * one, revoked, or not checkable now is said so on the "Checking…" message, and asked again.
 */
export async function askToken(flow: Flow): Promise<AcceptedToken> {
  const { t } = flow;
  await flow.conversation.external(() => flow.steps.mark(flow.chat, flow.deps.now()));
  const prompt = await flow.ctx.reply(t('buy-ask-token'), { reply_markup: new InlineKeyboard().text(t('buy-cancel-button'), BUY_DATA.cancel) });
  for (;;) {
    const input = await flow.ask({ promptId: prompt.message_id, accepts: { token: true }, unexpected: t('buy-token-send-text') });
    if (input.kind !== 'token') continue;
    const outcome = input.outcome;
    if (outcome.status === 'stray') continue;
    if (!outcome.deleted) await input.ctx.reply(t('buy-token-not-deleted'));
    if (outcome.status === 'ok') {
      await flow.conversation.external(() => flow.steps.clear(flow.chat));
      await edit(flow, prompt.message_id, t('buy-token-received'));
      return outcome;
    }
    await edit(flow, outcome.progressMessageId, refusedText(flow, outcome.status));
  }
}

function refusedText(flow: Flow, status: 'invalid' | 'revoked' | 'unreachable' | 'error'): string {
  switch (status) {
    case 'invalid':
      return flow.t('buy-token-invalid');
    case 'revoked':
      return flow.t('buy-token-revoked');
    case 'unreachable':
      return flow.t('buy-token-unreachable');
    case 'error':
      return flow.t('buy-token-error');
  }
}
