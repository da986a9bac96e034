import { Composer } from 'grammy';
import type { BotContext } from '../../context.js';
import { onTenantAction } from './route.js';

/**
 * Restart is an operation, not a fleet change: it is journaled and rate-limited in the control
 * database, carried out by the reconciler, and its outcome arrives later as an outbox message
 * (operation.done / operation.failed).
 */
export function restart(): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  onTenantAction(composer, 'restart', async (ctx, _action, { record }) => {
    await ctx.answerCallbackQuery();
    const result = await ctx.deps.operations.requestRestart(record.slug, ctx.from.id);
    if (result.status === 'queued') await ctx.reply(ctx.t('my-restart-queued', { bot: record.slug }));
    else await ctx.reply(ctx.t('my-restart-limited', { bot: record.slug, minutes: Math.max(1, Math.ceil(result.retryAfterSeconds / 60)) }));
  });
  return composer;
}
