import type { ChangeRequestInput } from '../../../fleet/changes/index.js';
import type { Fleet, TenantRecord } from '../../../fleet/model.js';
import type { BillingStatus } from '../../../fleet/schema/index.js';
import type { BotContext } from '../../context.js';
import { dayOf } from '../../notifications/money.js';
import type { Rendered, RenderedButton, Translate } from '../../notifications/index.js';
import type { BotDeps, DeployStatus } from '../../ports.js';
import { dataOf } from './callback-data.js';
import { type InputStore, MAX_QUERY } from './input.js';
import { prButtons } from './prs.js';
import { submitChange } from './submit.js';
import { backHome, clearButtons, keyboardOf, requireAdmin, translate, withProgress } from './ui.js';

/** Tenant search and detail, and what an admin can do to one tenant: suspend, resume, retry its deploy. */

const RESULTS = 20;

/**
 * Tenants a search text finds: a part of the slug, the owner's Telegram id (whole), or a part of
 * the owner's username (with or without `@`). Case does not matter; slug order.
 */
export function searchTenants(fleet: Fleet, query: string): TenantRecord[] {
  const q = query.trim().toLowerCase();
  if (q === '') return [];
  const name = q.replace(/^@/, '');
  return [...fleet.tenants.values()].filter(
    (r) =>
      (!q.startsWith('@') && r.slug.includes(q)) ||
      String(r.tenant.owner.telegramUserId) === q ||
      (name !== '' && (r.tenant.owner.username?.toLowerCase().includes(name) ?? false)),
  );
}

function statusText(t: Translate, status: BillingStatus): string {
  switch (status) {
    case 'active':
      return t('admin-status-active');
    case 'past_due':
      return t('admin-status-past-due');
    case 'suspended':
      return t('admin-status-suspended');
    case 'cancelled':
      return t('admin-status-cancelled');
  }
}

function deployText(t: Translate, d: DeployStatus | null): string {
  if (d === null) return t('admin-tenant-deploy-unknown');
  if (d.failures > 0) return t('admin-tenant-deploy-failed', { failures: d.failures, reason: d.message ?? d.reason ?? '-' });
  if (d.ready) return t('admin-tenant-deploy-running');
  return t('admin-tenant-deploy-pending', { reason: d.reason ?? '-' });
}

/** Pure: a tenant's detail screen, with the buttons that make sense for its state. */
export function tenantView(r: TenantRecord, deploy: DeployStatus | null, t: Translate): Rendered {
  const { tenant, billing } = r;
  const owner = tenant.owner.username
    ? t('admin-tenant-owner-username', { id: String(tenant.owner.telegramUserId), username: tenant.owner.username })
    : t('admin-tenant-owner', { id: String(tenant.owner.telegramUserId) });
  const placement =
    tenant.placement.type === 'shared'
      ? t('admin-tenant-placement-shared', { host: tenant.placement.host })
      : t('admin-tenant-placement-dedicated', { size: tenant.placement.size, region: tenant.placement.region });
  const modules = Object.entries(tenant.modules)
    .map(([name, m]) => `${name} ${m.version} (${m.channel})`)
    .join(', ');
  const lines = [
    tenant.displayName ? t('admin-tenant-title-named', { tenant: r.slug, name: tenant.displayName }) : t('admin-tenant-title', { tenant: r.slug }),
    owner,
    t('admin-tenant-plan', { plan: tenant.plan }),
    placement,
    t('admin-tenant-modules', { modules }),
    t('admin-tenant-billing', { status: statusText(t, billing.status), date: billing.paidThrough === null ? '-' : dayOf(billing.paidThrough) }),
    ...(billing.statusReason ? [t('admin-tenant-billing-reason', { reason: billing.statusReason })] : []),
    deployText(t, deploy),
  ];
  const actions: RenderedButton[] = [
    billing.status === 'suspended'
      ? { text: t('admin-tenant-resume'), data: dataOf({ type: 'tenant', op: 'resume', slug: r.slug }) }
      : { text: t('admin-tenant-suspend'), data: dataOf({ type: 'tenant', op: 'suspend', slug: r.slug }) },
  ];
  if (deploy !== null && deploy.failures > 0) actions.push({ text: t('admin-tenant-retry'), data: dataOf({ type: 'tenant', op: 'retry', slug: r.slug }) });
  return { text: lines.join('\n'), buttons: [actions, [backHome(t)]] };
}

export async function showTenant(ctx: BotContext, deps: BotDeps, slug: string): Promise<void> {
  requireAdmin(ctx);
  if (ctx.callbackQuery) await ctx.answerCallbackQuery();
  const t = translate(ctx);
  const record = (await deps.fleet.current()).tenants.get(slug);
  if (record === undefined) {
    await ctx.reply(t('admin-tenant-missing', { tenant: slug }), { reply_markup: keyboardOf([[backHome(t)]]) });
    return;
  }
  const view = tenantView(record, await deps.deploys.get(slug), t);
  await ctx.reply(view.text, { reply_markup: keyboardOf(view.buttons ?? []) });
}

const searchAgain = (t: Translate): RenderedButton => ({ text: t('admin-search-again'), data: dataOf({ type: 'find' }) });

export async function askSearch(ctx: BotContext, input: InputStore): Promise<void> {
  const admin = requireAdmin(ctx);
  await ctx.answerCallbackQuery();
  await input.set(admin, { mode: 'search' });
  await ctx.reply(ctx.t('admin-search-prompt'), { reply_markup: keyboardOf([[{ text: ctx.t('admin-cancel'), data: dataOf({ type: 'cancel' }) }]]) });
}

/** The text after "Find a tenant": one tenant found opens it, several are listed as buttons. */
export async function onSearchText(ctx: BotContext, deps: BotDeps, input: InputStore, query: string): Promise<void> {
  const admin = requireAdmin(ctx);
  const t = translate(ctx);
  if (query.length > MAX_QUERY) {
    await ctx.reply(t('admin-search-too-long', { max: MAX_QUERY }));
    return;
  }
  await input.clear(admin);
  const found = searchTenants(await deps.fleet.current(), query);
  if (found.length === 1 && found[0] !== undefined) {
    await showTenant(ctx, deps, found[0].slug);
    return;
  }
  if (found.length === 0) {
    await ctx.reply(t('admin-search-none', { query }), { reply_markup: keyboardOf([[searchAgain(t), backHome(t)]]) });
    return;
  }
  const buttons = found.slice(0, RESULTS).map((r) => [{ text: `${r.slug} · ${r.tenant.owner.username ? `@${r.tenant.owner.username}` : r.tenant.owner.telegramUserId}`, data: dataOf({ type: 'tenant', op: 'show', slug: r.slug }) }]);
  await ctx.reply(t('admin-search-results', { count: found.length, shown: buttons.length }), { reply_markup: keyboardOf([...buttons, [searchAgain(t), backHome(t)]]) });
}

/**
 * Suspend or resume: a change request like any other (the merge policy decides whether it waits
 * for review). Its id is derived from the detail message pressed, so pressing the same button
 * twice is one PR, while a later suspend from a fresh detail screen is a new request.
 */
export async function changeStatus(ctx: BotContext, deps: BotDeps, op: 'suspend' | 'resume', slug: string): Promise<void> {
  requireAdmin(ctx);
  await ctx.answerCallbackQuery();
  const t = translate(ctx);
  const from = ctx.from;
  const chatId = ctx.chat?.id;
  if (from === undefined || chatId === undefined) return;
  await withProgress(ctx, async () => {
    const open = { text: t('admin-tenant-open', { tenant: slug }), data: dataOf({ type: 'tenant', op: 'show', slug }) };
    if (!(await deps.fleet.current()).tenants.has(slug)) return { text: t('admin-tenant-missing', { tenant: slug }), buttons: [[backHome(t)]] };
    // Buttons on the bot's own messages always name their message; the query id is a fallback
    // that keeps two presses without one from sharing a request id.
    const pressed = ctx.callbackQuery?.message?.message_id ?? `q${ctx.callbackQuery?.id ?? ctx.update.update_id}`;
    const common = {
      id: `admin-${op}:${slug}:${chatId}-${pressed}`,
      slug,
      requestedBy: { type: 'admin' as const, userId: from.id, ...(from.username ? { username: from.username } : {}) },
    };
    const input: ChangeRequestInput =
      op === 'suspend' ? { ...common, kind: 'tenant.suspend', reason: `Suspended by admin ${from.id} in Telegram` } : { ...common, kind: 'tenant.resume', reason: `Resumed by admin ${from.id} in Telegram` };
    const submitted = await submitChange(deps, t, input);
    if (submitted.kind === 'refused') return { text: submitted.text, buttons: [[open]] };
    await clearButtons(ctx);
    if (submitted.kind === 'open') {
      return { text: t('admin-tenant-change-open', { tenant: slug, number: String(submitted.pr.number) }), buttons: [prButtons(submitted.pr.number, t), [open]] };
    }
    if (submitted.kind === 'noop') return { text: op === 'suspend' ? t('admin-tenant-already-suspended', { tenant: slug }) : t('admin-tenant-already-active', { tenant: slug }), buttons: [[open]] };
    const commit = submitted.commit.slice(0, 10);
    return { text: op === 'suspend' ? t('admin-tenant-suspended', { tenant: slug, commit }) : t('admin-tenant-resumed', { tenant: slug, commit }), buttons: [[open]] };
  });
}

/** Asks the reconciler to try a failed tenant again now; only for a tenant whose deploy failed. */
export async function retryDeploy(ctx: BotContext, deps: BotDeps, slug: string): Promise<void> {
  requireAdmin(ctx);
  await ctx.answerCallbackQuery();
  const t = translate(ctx);
  if (!(await deps.fleet.current()).tenants.has(slug)) {
    await ctx.reply(t('admin-tenant-missing', { tenant: slug }), { reply_markup: keyboardOf([[backHome(t)]]) });
    return;
  }
  const status = await deps.deploys.get(slug);
  if (status === null || status.failures === 0) {
    await ctx.reply(t('admin-tenant-retry-nothing', { tenant: slug }));
    return;
  }
  await deps.deploys.retry(slug);
  await clearButtons(ctx);
  await ctx.reply(t('admin-tenant-retry-done', { tenant: slug }), { reply_markup: keyboardOf([[{ text: t('admin-tenant-open', { tenant: slug }), data: dataOf({ type: 'tenant', op: 'show', slug }) }]]) });
}
