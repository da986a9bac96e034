import semver from 'semver';
import type { Fleet } from '../../../fleet/model.js';
import { requiresProblems } from '../../../fleet/requires.js';
import { CORE_MODULE, type Money } from '../../../fleet/schema/index.js';
import type { Locale } from '../../i18n.js';

/**
 * What a customer can buy, read from main once when a purchase starts: plans with a way to pay,
 * the multi-bot (`core`) and the modules whose `requires` can be met. Plain JSON, because the
 * purchase conversation keeps it in its replay log (bot_state) and must see the same offer on
 * every replay, whatever main does meanwhile. Pure.
 */

export interface Localized {
  readonly en: string;
  readonly ru?: string | undefined;
}

export interface PlanOffer {
  readonly name: string;
  readonly title: string;
  readonly description?: string | undefined;
  readonly price: Money;
  /** Modules a tenant on this plan may run, `core` included (fleet/load/rules.ts counts the same). */
  readonly maxModules: number;
  readonly stripePriceId?: string | undefined;
}

export interface ModuleOffer {
  readonly name: string;
  readonly title: Localized;
  readonly description?: Localized | undefined;
  /** The newest release, the one a purchase pins. */
  readonly version: string;
  readonly requires: Readonly<Record<string, string>>;
}

export interface Offer {
  readonly plans: readonly PlanOffer[];
  /** Null when the catalog has no usable `core`: nothing can be sold. */
  readonly core: ModuleOffer | null;
  /** The optional modules, in name order. */
  readonly modules: readonly ModuleOffer[];
  readonly manual: { readonly enabled: boolean; readonly instructions?: string | undefined };
  /** Stripe is configured (deps.payments): plans with a stripePriceId can be paid by card. */
  readonly stripe: boolean;
}

export function offerOf(fleet: Fleet, stripe: boolean): Offer {
  const manual = fleet.config.billing.manualPayments;
  const plans = Object.entries(fleet.config.plans)
    // A plan nobody could pay for is not offered: neither card (price and Stripe) nor manual.
    .filter(([, p]) => (stripe && p.stripePriceId !== undefined) || manual.enabled)
    .map(([name, p]) => ({ name, title: p.title, ...(p.description ? { description: p.description } : {}), price: p.price, maxModules: p.maxModules, ...(p.stripePriceId ? { stripePriceId: p.stripePriceId } : {}) }));
  const latest = new Map<string, ModuleOffer>();
  for (const [name, entry] of fleet.catalog) {
    const version = semver.rsort(Object.keys(entry.versions))[0];
    if (version === undefined) continue;
    latest.set(name, { name, title: entry.title, ...(entry.description ? { description: entry.description } : {}), version, requires: entry.versions[version]?.requires ?? {} });
  }
  const usable = installable(latest);
  // The multi-bot must run on its own: a core that requires another module is not sold.
  const found = usable.get(CORE_MODULE);
  const core = found !== undefined && Object.keys(found.requires).length === 0 ? found : null;
  const modules = core === null ? [] : [...usable.values()].filter((m) => m.name !== CORE_MODULE).sort((a, b) => a.name.localeCompare(b.name));
  return { plans, core, modules, manual: { enabled: manual.enabled, ...(manual.instructions ? { instructions: manual.instructions } : {}) }, stripe };
}

/**
 * The modules whose requirements hold at the newest versions: every module they require
 * is in the catalog at a version in range and is itself installable. Found by removing what
 * fails until nothing more does, so a chain (a needs b needs an old core) goes as a whole.
 */
function installable(latest: ReadonlyMap<string, ModuleOffer>): Map<string, ModuleOffer> {
  const left = new Map(latest);
  for (let changed = true; changed; ) {
    changed = false;
    for (const [name, m] of left) {
      const broken = Object.entries(m.requires).some(([dep, range]) => {
        const have = left.get(dep);
        return have === undefined || !semver.satisfies(have.version, range);
      });
      if (broken) {
        left.delete(name);
        changed = true;
      }
    }
  }
  return left;
}

/** The offer contradicts itself (a chosen set that toggle() allowed does not run): a bug, not bad input. */
export class OfferInconsistentError extends Error {
  override readonly name = 'OfferInconsistentError';
}

export const textIn = (text: Localized, locale: Locale): string => text[locale] ?? text.en;

/** Why a module cannot be switched on or off, for the customer. */
export type Refusal =
  | { readonly reason: 'core' }
  | { readonly reason: 'limit'; readonly max: number }
  | { readonly reason: 'needs'; readonly missing: readonly string[] }
  | { readonly reason: 'needed_by'; readonly by: readonly string[] }
  | { readonly reason: 'unknown' };

export type Toggled = { readonly ok: true; readonly selected: readonly string[] } | ({ readonly ok: false } & Refusal);

/**
 * Switches one optional module on or off. Refused, with the reason: `core` (always there), more
 * modules than the plan allows, a module whose requirements are not switched on, or switching
 * off one that a chosen module requires.
 */
export function toggle(offer: Offer, plan: PlanOffer, selected: readonly string[], name: string): Toggled {
  if (name === CORE_MODULE) return { ok: false, reason: 'core' };
  const module = offer.modules.find((m) => m.name === name);
  if (module === undefined) return { ok: false, reason: 'unknown' };
  if (selected.includes(name)) {
    const by = selected.filter((s) => s !== name && offer.modules.find((m) => m.name === s)?.requires[name] !== undefined);
    if (by.length > 0) return { ok: false, reason: 'needed_by', by };
    return { ok: true, selected: selected.filter((s) => s !== name) };
  }
  if (selected.length + 2 > plan.maxModules) return { ok: false, reason: 'limit', max: plan.maxModules };
  const missing = Object.keys(module.requires).filter((dep) => dep !== CORE_MODULE && !selected.includes(dep));
  if (missing.length > 0) return { ok: false, reason: 'needs', missing };
  return { ok: true, selected: [...selected, name].sort() };
}

export interface ChosenModule {
  readonly name: string;
  readonly version: string;
}

/** The modules of the order, `core` first, each pinned to the version offered; the problem when they cannot run together. */
export function chosenModules(offer: Offer, selected: readonly string[]): { modules: ChosenModule[] } | { problem: string } {
  const all = [offer.core, ...selected.map((s) => offer.modules.find((m) => m.name === s))];
  const modules: ChosenModule[] = [];
  for (const m of all) {
    if (m === undefined || m === null) return { problem: 'a chosen module is no longer offered' };
    modules.push({ name: m.name, version: m.version });
  }
  const versions = Object.fromEntries(modules.map((m) => [m.name, { version: m.version }]));
  const requires = new Map(all.map((m) => [m?.name ?? '', m?.requires ?? {}]));
  const problem = requiresProblems((name) => requires.get(name), versions)[0];
  return problem === undefined ? { modules } : { problem };
}
