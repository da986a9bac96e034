import { Composer, GrammyError, InlineKeyboard } from 'grammy';
import type { BotContext } from '../context.js';
import { mainMenu } from '../main-menu.js';
import type { BotDeps } from '../ports.js';

const RECHECK = 'start:recheck';
const MEMBER_STATUSES = new Set(['creator', 'administrator', 'member']);

/**
 * /start: a welcome and the main menu. When fleet.yaml names a required channel, membership is
 * checked first (as the platform owner's current bot does) and the menu waits until they join.
 */
export function startFeature(deps: BotDeps): Composer<BotContext> {
  const feature = new Composer<BotContext>();
  feature.command('start', async (ctx) => {
    if (await mayEnter(ctx, deps)) await ctx.reply(ctx.t('start-welcome', { name: ctx.from?.first_name ?? '' }), { reply_markup: mainMenu(ctx) });
  });
  feature.callbackQuery(RECHECK, async (ctx) => {
    await ctx.answerCallbackQuery();
    if (await mayEnter(ctx, deps)) await ctx.editMessageText(ctx.t('start-welcome', { name: ctx.from.first_name }), { reply_markup: mainMenu(ctx) });
  });
  return feature;
}

/** True when there is no required channel or the user is in it; otherwise tells them to join. */
export async function mayEnter(ctx: BotContext, deps: BotDeps): Promise<boolean> {
  const channel = (await deps.fleet.current()).config.requiredChannel;
  const userId = ctx.from?.id;
  if (channel === undefined || userId === undefined) return true;
  try {
    const member = await ctx.api.getChatMember(channel, userId);
    if (MEMBER_STATUSES.has(member.status) || (member.status === 'restricted' && member.is_member)) return true;
  } catch (error) {
    // The bot is not in the channel or Telegram is down: fail closed, and say so in the log for
    // the admins; the customer is told to try again rather than let through unchecked.
    const reason = error instanceof GrammyError ? error.description : String(error);
    deps.log.error({ channel, reason }, 'cannot check the required channel membership');
    await ctx.reply(ctx.t('start-channel-unavailable'));
    return false;
  }
  await ctx.reply(ctx.t('start-join-channel', { channel }), {
    reply_markup: new InlineKeyboard().url(ctx.t('start-open-channel'), `https://t.me/${channel.slice(1)}`).row().text(ctx.t('start-joined'), RECHECK),
  });
  return false;
}
