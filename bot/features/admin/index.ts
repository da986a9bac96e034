import { Composer, type MiddlewareFn } from 'grammy';
import type { BotContext } from '../../context.js';
import { MENU } from '../../main-menu.js';
import type { BotDeps } from '../../ports.js';
import { chooseAudience, onBroadcastText, pickAudience, sendBroadcast } from './broadcast.js';
import { type AdminAction, parseAdminData, PREFIX } from './callback-data.js';
import { type InputStore, inputStore } from './input.js';
import { showHome } from './overview.js';
import { approvePayment, listPayments, rejectPayment, showProof } from './payments.js';
import { decidePr, listPrs } from './prs.js';
import { askSearch, changeStatus, onSearchText, retryDeploy, showTenant } from './tenants.js';

/**
 * The admin side of the bot: /admin and the main menu's admin button lead to the fleet overview,
 * pending PRs, manual payments, tenant search and detail, and broadcasts.
 *
 * Admins only, twice over: the whole composer sits behind `ctx.isAdmin`, and every handler checks
 * it again (`adminOnly`), so a handler added later outside the filter, or a filter edited by
 * mistake, still opens nothing. A non-admin's update is passed on untouched (`next()`), reaching
 * the fallback, so they get exactly what an unknown command or an outdated button gets and learn
 * nothing about what exists here.
 */
export function adminFeature(deps: BotDeps): Composer<BotContext> {
  const feature = new Composer<BotContext>();
  const admin = feature.filter((ctx) => ctx.isAdmin);
  const input = inputStore(deps);

  admin.command('admin', adminOnly((ctx) => showHome(ctx, deps, 'new')));
  admin.callbackQuery(MENU.admin, adminOnly((ctx) => showHome(ctx, deps, 'new')));
  admin.callbackQuery(
    new RegExp(`^${PREFIX}`),
    adminOnly(async (ctx, next) => {
      const action = parseAdminData(ctx.callbackQuery?.data ?? '');
      // Not a button this feature made: leave it to the rest of the bot (the fallback says "out of date").
      if (action === null) return next();
      await dispatch(ctx, deps, input, action);
    }),
  );
  admin.command(
    'cancel',
    adminOnly(async (ctx, next) => {
      const from = ctx.from?.id;
      if (from === undefined || (await input.get(from)) === null) return next();
      await input.clear(from);
      await ctx.reply(ctx.t('admin-cancelled'));
    }),
  );
  admin.on(
    'message:text',
    adminOnly(async (ctx, next) => {
      const from = ctx.from?.id;
      const text = ctx.message?.text;
      // A command is never search text or a broadcast: /start and the rest keep working mid-way.
      if (from === undefined || text === undefined || text.startsWith('/')) return next();
      const state = await input.get(from);
      if (state === null) return next();
      if (state.mode === 'search') return onSearchText(ctx, deps, input, text);
      if (state.mode === 'broadcast-text') return onBroadcastText(ctx, deps, input, state, text);
      // A draft is waiting for its Send button; text now is not a new draft.
      await ctx.reply(ctx.t('admin-broadcast-waiting'));
    }),
  );
  return feature;
}

/** The per-handler check: whatever the composer around it does, a non-admin's update passes on unread. */
function adminOnly(handler: (ctx: BotContext, next: () => Promise<void>) => Promise<unknown>): MiddlewareFn<BotContext> {
  return async (ctx, next) => {
    if (!ctx.isAdmin) return next();
    await handler(ctx, next);
  };
}

async function dispatch(ctx: BotContext, deps: BotDeps, input: InputStore, action: AdminAction): Promise<void> {
  switch (action.type) {
    case 'home':
      return showHome(ctx, deps, 'replace');
    case 'prs':
      return listPrs(ctx, deps);
    case 'pr':
      return decidePr(ctx, deps, action.decision, action.number);
    case 'payments':
      return listPayments(ctx, deps);
    case 'payment':
      if (action.decision === 'ok') return approvePayment(ctx, deps, action.id);
      if (action.decision === 'no') return rejectPayment(ctx, deps, action.id);
      return showProof(ctx, deps, action.id);
    case 'find':
      return askSearch(ctx, input);
    case 'tenant':
      if (action.op === 'show') return showTenant(ctx, deps, action.slug);
      if (action.op === 'retry') return retryDeploy(ctx, deps, action.slug);
      return changeStatus(ctx, deps, action.op, action.slug);
    case 'broadcast':
      return chooseAudience(ctx, deps);
    case 'audience':
      return pickAudience(ctx, deps, input, action.module);
    case 'send':
      return sendBroadcast(ctx, deps, input);
    case 'cancel': {
      await ctx.answerCallbackQuery();
      if (ctx.from) await input.clear(ctx.from.id);
      await ctx.reply(ctx.t('admin-cancelled'));
      return;
    }
  }
}
