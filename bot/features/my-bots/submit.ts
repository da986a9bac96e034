import { InlineKeyboard } from 'grammy';
import type { ChangeRequestInput } from '../../../fleet/changes/request.js';
import { ChangeRejectedError } from '../../../fleet/changes/types.js';
import { ChangeInvalidError, ContentionError, type SubmitOutcome } from '../../../fleet/submit.js';
import type { BaseContext } from '../../context.js';
import { myData } from './callback-data.js';

/**
 * Submits a customer's change request and tells them what became of it, in one message: it says
 * "working…" at once and is edited when the change is merged (and deploying), waiting for an
 * admin's review (with the PR number), already in place, or refused (with the reason the fleet
 * gave, e.g. a module's `requires` or the plan's module limit).
 *
 * `what` is the change in the user's words ("installing Welcome 1.0.0 on alpha-shop").
 */
export async function submitAndReport(ctx: BaseContext, slug: string, input: ChangeRequestInput, what: string): Promise<void> {
  const chatId = ctx.chat?.id;
  if (chatId === undefined) throw new Error('submitAndReport needs a chat to report in');
  const progress = await ctx.reply(ctx.t('my-working'));
  const back = new InlineKeyboard().text(ctx.t('my-button-back-bot'), myData({ verb: 'bot', slug }));
  let text: string;
  try {
    text = outcomeText(ctx, await ctx.deps.changes.submit(input), what);
  } catch (error) {
    text = failureText(ctx, error, what, input);
  }
  await ctx.api.editMessageText(chatId, progress.message_id, text, { reply_markup: back });
}

function outcomeText(ctx: BaseContext, outcome: SubmitOutcome, what: string): string {
  switch (outcome.status) {
    case 'merged':
      return ctx.t('my-outcome-merged', { what });
    case 'open':
      return ctx.t('my-outcome-open', { what, pr: outcome.pr.number });
    case 'noop':
      return ctx.t('my-outcome-noop', { what });
  }
}

/**
 * A refusal is the customer's answer; anything else is ours to look at: logged with the request's
 * kind and id (never its content: a request may carry a sealed token), and the customer is told
 * that nothing was changed.
 */
function failureText(ctx: BaseContext, error: unknown, what: string, input: ChangeRequestInput): string {
  if (error instanceof ChangeInvalidError) return ctx.t('my-outcome-refused', { what, reason: error.issues.map((i) => i.message).join('; ') });
  if (error instanceof ChangeRejectedError) return ctx.t('my-outcome-refused', { what, reason: error.message });
  const context = { kind: input.kind, id: input.id, user: ctx.from?.id };
  if (error instanceof ContentionError) {
    ctx.deps.log.warn({ ...context, attempts: error.attempts }, 'change gave up: main kept moving');
    return ctx.t('my-outcome-busy');
  }
  ctx.deps.log.error({ ...context, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }, 'change request failed');
  return ctx.t('error-generic');
}
