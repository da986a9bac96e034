import type { InlineKeyboard } from 'grammy';
import type { Locale } from '../../i18n.js';
import type { BotDeps } from '../../ports.js';
import type { Asker, FlowConversation, InnerContext, Translate } from './input.js';
import type { Offer } from './offer.js';
import type { TokenSteps } from './token-guard.js';

/** Callback data of the purchase (all under `buy:`, at most 64 bytes with a 32-character name). */
export const BUY_DATA = {
  cancel: 'buy:cancel',
  continue: 'buy:continue',
  retry: 'buy:retry',
  plan: (name: string) => `buy:plan:${name}`,
  module: (name: string) => `buy:mod:${name}`,
} as const;
export const MODULE_DATA = /^buy:mod:([a-z][a-z0-9-]{0,30}[a-z0-9])$/;

/** What every step of a purchase works with; fixed when the purchase starts. */
export interface Flow {
  readonly conversation: FlowConversation;
  /** The update that started the purchase: replies and edits go to its chat. */
  readonly ctx: InnerContext;
  readonly chat: number;
  readonly user: { readonly id: number; readonly username: string | undefined };
  readonly locale: Locale;
  readonly t: Translate;
  readonly ask: Asker;
  readonly deps: BotDeps;
  readonly offer: Offer;
  readonly steps: TokenSteps;
}

/** Rewrites a message the purchase sent; without `markup` its buttons go (a step that is done). */
export async function edit(flow: Flow, messageId: number, text: string, markup?: InlineKeyboard): Promise<void> {
  await flow.ctx.api.editMessageText(flow.chat, messageId, text, { reply_markup: markup ?? { inline_keyboard: [] } });
}
