import type { CallbackQueryContext, Composer } from 'grammy';
import type { Fleet, TenantRecord } from '../../../fleet/model.js';
import type { BotContext } from '../../context.js';
import { ownedTenant } from './access.js';
import { type ActionOf, parseMyData, PREFIX, type Verb } from './callback-data.js';

export type MyCallbackContext = CallbackQueryContext<BotContext>;

/** The tenant a press acts on, read from main at the press, and the user's language. */
export interface Owned {
  readonly fleet: Fleet;
  readonly record: TenantRecord;
  readonly locale: string;
}

/** Returned by a handler whose button no longer fits the fleet (a module gone, a version not newer). */
export const OUTDATED = Symbol('outdated');

export type TenantHandler<V extends Verb> = (ctx: MyCallbackContext, action: ActionOf<V>, owned: Owned) => Promise<void | typeof OUTDATED>;

/**
 * Registers the handler of one verb that names a tenant. Data that does not parse, a tenant the
 * presser does not own (or that is gone), and a handler's OUTDATED all go on to the next
 * middleware, which ends at the fallback's "this button is out of date": someone else's slug
 * in crafted data gets exactly the answer of a stale button, and nothing is done. A handler
 * answers the callback query itself, once it knows the press is valid.
 */
export function onTenantAction<V extends Exclude<Verb, 'list'>>(composer: Composer<BotContext>, verb: V, handler: TenantHandler<V>): void {
  composer.callbackQuery(new RegExp(`^${PREFIX}:${verb}:`), async (ctx, next) => {
    const action = parseMyData(ctx.callbackQuery.data);
    if (action === null || action.verb !== verb) return next();
    const fleet = await ctx.deps.fleet.current();
    const record = ownedTenant(fleet, action.slug, ctx.from.id);
    if (record === null) return next();
    const result = await handler(ctx, action as ActionOf<V>, { fleet, record, locale: await ctx.i18n.getLocale() });
    if (result === OUTDATED) return next();
  });
}
