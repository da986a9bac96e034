import type { Composer } from 'grammy';
import type { BotContext } from './context.js';

/**
 * One part of the bot (start, buying, my bots, admin, settings): a composer of its handlers.
 * bot.ts installs them in a fixed order; the fallback goes last.
 */
export type Feature = Composer<BotContext>;
