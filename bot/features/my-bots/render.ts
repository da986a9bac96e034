import semver from 'semver';
import { latestVersion } from '../../../fleet/changes/catalog.js';
import type { Fleet, TenantRecord } from '../../../fleet/model.js';
import type { BillingStatus, Chat, Money } from '../../../fleet/schema/index.js';
import type { BaseContext } from '../../context.js';
import type { DeployStatus } from '../../ports.js';

/**
 * Words and lines about a customer's bots, shared by the list and the per-bot views. Texts come
 * from bot/locales/<locale>/my.ftl; catalog titles and descriptions from the catalog, in the
 * user's language with English as the fallback.
 */

export function moduleTitle(fleet: Fleet, module: string, locale: string): string {
  const title = fleet.catalog.get(module)?.title;
  if (title === undefined) return module;
  return (locale === 'ru' ? title.ru : undefined) ?? title.en;
}

export function moduleDescription(fleet: Fleet, module: string, locale: string): string | null {
  const description = fleet.catalog.get(module)?.description;
  if (description === undefined) return null;
  const text = (locale === 'ru' ? description.ru : undefined) ?? description.en;
  return text === '' ? null : text;
}

export interface AvailableUpdate {
  readonly module: string;
  readonly installed: string;
  readonly latest: string;
}

/** Installed modules whose catalog has a newer version, in module name order. */
export function availableUpdates(fleet: Fleet, record: TenantRecord): AvailableUpdate[] {
  const updates: AvailableUpdate[] = [];
  for (const [module, install] of Object.entries(record.tenant.modules).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const latest = latestVersion(fleet, module);
    if (latest !== null && semver.gt(latest, install.version)) updates.push({ module, installed: install.version, latest });
  }
  return updates;
}

export type DeployState = 'running' | 'deploying' | 'failed';

/**
 * Reasons the reconciler gives while it is still on its way (reconciler/result.ts: Progressing;
 * WaitingError reasons): those count as deploying even after a failed attempt, anything else
 * that is not ready as failed.
 */
const ON_ITS_WAY = new Set(['Progressing', 'DependencyPending', 'HostBooting', 'HostNotReady', 'HostUnknown', 'DigitalOceanRateLimited']);

/** No report yet means the first deploy has not finished: deploying. */
export function deployStateOf(status: DeployStatus | null): DeployState {
  if (status === null) return 'deploying';
  if (status.ready) return 'running';
  return status.reason === null || ON_ITS_WAY.has(status.reason) ? 'deploying' : 'failed';
}

export function deployText(ctx: BaseContext, state: DeployState): string {
  switch (state) {
    case 'running':
      return ctx.t('my-deploy-running');
    case 'deploying':
      return ctx.t('my-deploy-deploying');
    case 'failed':
      return ctx.t('my-deploy-failed');
  }
}

export function billingText(ctx: BaseContext, status: BillingStatus): string {
  switch (status) {
    case 'active':
      return ctx.t('my-billing-active');
    case 'past_due':
      return ctx.t('my-billing-past-due');
    case 'suspended':
      return ctx.t('my-billing-suspended');
    case 'cancelled':
      return ctx.t('my-billing-cancelled');
  }
}

export function chatTypeText(ctx: BaseContext, type: Chat['type']): string {
  switch (type) {
    case 'channel':
      return ctx.t('my-chat-type-channel');
    case 'group':
      return ctx.t('my-chat-type-group');
    case 'supergroup':
      return ctx.t('my-chat-type-supergroup');
  }
}

/** A chat as people recognise it: its title when we know it, else its id. */
export const chatName = (chat: Chat): string => chat.title ?? String(chat.id);

/** `5.00 USD`: prices are kept in minor units. */
export function formatMoney(money: Money): string {
  return `${(money.amount / 100).toFixed(2)} ${money.currency.toUpperCase()}`;
}

/** `2026-04-04`: a date people read the same in every language. */
export const formatDate = (instant: string): string => instant.slice(0, 10);

export function planTitle(fleet: Fleet, record: TenantRecord): string {
  return fleet.config.plans[record.tenant.plan]?.title ?? record.tenant.plan;
}

/** One bot as the list and its own view show it: name, plan and payment, deploy status, modules. */
export function botSummary(ctx: BaseContext, locale: string, fleet: Fleet, record: TenantRecord, deploy: DeployStatus | null): string {
  const { tenant, billing } = record;
  const modules = Object.entries(tenant.modules)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([name, install]) => `${moduleTitle(fleet, name, locale)} ${install.version}`)
    .join(', ');
  const plan = planTitle(fleet, record);
  const lines = [
    tenant.displayName === undefined ? ctx.t('my-bot-heading', { bot: record.slug }) : ctx.t('my-bot-heading-named', { bot: record.slug, name: tenant.displayName }),
    billing.paidThrough === null
      ? ctx.t('my-bot-plan-unpaid', { plan, billing: billingText(ctx, billing.status) })
      : ctx.t('my-bot-plan', { plan, date: formatDate(billing.paidThrough), billing: billingText(ctx, billing.status) }),
    ctx.t('my-bot-deploy', { deploy: deployText(ctx, deployStateOf(deploy)) }),
    ctx.t('my-bot-modules', { modules }),
  ];
  for (const update of availableUpdates(fleet, record)) {
    lines.push(ctx.t('my-bot-update', { module: moduleTitle(fleet, update.module, locale), from: update.installed, to: update.latest }));
  }
  return lines.join('\n');
}
