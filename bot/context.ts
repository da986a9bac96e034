import type { ConversationFlavor } from '@grammyjs/conversations';
import type { I18nFlavor } from '@grammyjs/i18n';
import type { Context } from 'grammy';
import type { BotDeps } from './ports.js';

/** What every handler gets: grammY's context, translations, the bot's dependencies. */
export interface BotExtras {
  readonly deps: BotDeps;
  /** The sender is an admin (fleet.yaml `admins` or ADMIN_TELEGRAM_IDS), decided once per update. */
  isAdmin: boolean;
  /** The language the user chose in the bot's settings (telegram_users), if any. */
  userLanguage: string | null;
}

export type BaseContext = Context & I18nFlavor & BotExtras;
export type BotContext = ConversationFlavor<BaseContext>;
