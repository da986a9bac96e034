import { Composer, InlineKeyboard } from 'grammy';
import semver from 'semver';
import { latestVersion } from '../../../fleet/changes/catalog.js';
import { CORE_MODULE } from '../../../fleet/schema/index.js';
import type { BotContext } from '../../context.js';
import { changeId, ownedTenant, requester } from './access.js';
import { myData, parseUpdateNow, ref, resolveRef, UPDATE_NOW } from './callback-data.js';
import { moduleDescription, moduleTitle } from './render.js';
import { onTenantAction, OUTDATED, type Owned } from './route.js';
import { show } from './show.js';
import { submitAndReport } from './submit.js';

/**
 * Modules of one bot: install one from the catalog (`module.install`), remove one after a confirm
 * (`module.remove`), take an available update (`module.update` for this tenant only). Whether a
 * change may be made — the plan's module limit, a module's `requires` — is decided by the fleet
 * when the change is built, and its refusal is shown as it is.
 */
export function modules(): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  onTenantAction(composer, 'mods', async (ctx, _action, { fleet, record, locale }) => {
    await ctx.answerCallbackQuery();
    const slug = record.slug;
    const keyboard = new InlineKeyboard();
    const lines: string[] = [];
    for (const name of installable(fleet.catalog.keys(), record.tenant.modules)) {
      const version = latestVersion(fleet, name);
      if (version === null) continue;
      const title = moduleTitle(fleet, name, locale);
      const description = moduleDescription(fleet, name, locale);
      lines.push(description === null ? ctx.t('my-mods-entry-short', { title, version }) : ctx.t('my-mods-entry', { title, version, description }));
      keyboard.text(ctx.t('my-mods-install', { title }), myData({ verb: 'i', slug, module: ref(name) })).row();
    }
    keyboard.text(ctx.t('my-button-back-bot'), myData({ verb: 'bot', slug }));
    const text = lines.length === 0 ? ctx.t('my-mods-none', { bot: slug }) : [ctx.t('my-mods-title', { bot: slug }), ...lines].join('\n');
    await show(ctx, text, keyboard);
  });

  onTenantAction(composer, 'i', async (ctx, action, { fleet, record, locale }) => {
    const module = resolveRef(action.module, installable(fleet.catalog.keys(), record.tenant.modules));
    const version = module === null ? null : latestVersion(fleet, module);
    // Installed since the list was shown, or gone from the catalog: the button is stale.
    if (module === null || version === null) return OUTDATED;
    await ctx.answerCallbackQuery();
    const what = ctx.t('my-what-install', { module: moduleTitle(fleet, module, locale), version, bot: record.slug });
    await submitAndReport(ctx, record.slug, {
      kind: 'module.install',
      id: changeId(ctx.from.id, 'install', record, { module, version }),
      requestedBy: requester(ctx),
      slug: record.slug,
      module,
      version,
    }, what);
  });

  onTenantAction(composer, 'rms', async (ctx, _action, { fleet, record, locale }) => {
    await ctx.answerCallbackQuery();
    const slug = record.slug;
    const names = removable(record.tenant.modules);
    const keyboard = new InlineKeyboard();
    for (const name of names) {
      const label = ctx.t('my-rms-entry', { title: moduleTitle(fleet, name, locale), version: record.tenant.modules[name]?.version ?? '' });
      keyboard.text(label, myData({ verb: 'rm', slug, module: ref(name) })).row();
    }
    keyboard.text(ctx.t('my-button-back-bot'), myData({ verb: 'bot', slug }));
    await show(ctx, names.length === 0 ? ctx.t('my-rms-none', { bot: slug }) : ctx.t('my-rms-title', { bot: slug }), keyboard);
  });

  onTenantAction(composer, 'rm', async (ctx, action, { fleet, record, locale }) => {
    const module = resolveRef(action.module, removable(record.tenant.modules));
    if (module === null) return OUTDATED;
    await ctx.answerCallbackQuery();
    const slug = record.slug;
    const keyboard = new InlineKeyboard()
      .text(ctx.t('my-rm-yes'), myData({ verb: 'rmy', slug, module: ref(module) }))
      .row()
      .text(ctx.t('my-rm-no'), myData({ verb: 'bot', slug }));
    await show(ctx, ctx.t('my-rm-confirm', { module: moduleTitle(fleet, module, locale), bot: slug }), keyboard);
  });

  onTenantAction(composer, 'rmy', async (ctx, action, { fleet, record, locale }) => {
    const module = resolveRef(action.module, removable(record.tenant.modules));
    if (module === null) return OUTDATED;
    await ctx.answerCallbackQuery();
    const what = ctx.t('my-what-remove', { module: moduleTitle(fleet, module, locale), bot: record.slug });
    await submitAndReport(ctx, record.slug, {
      kind: 'module.remove',
      id: changeId(ctx.from.id, 'remove', record, { module }),
      requestedBy: requester(ctx),
      slug: record.slug,
      module,
    }, what);
  });

  onTenantAction(composer, 'u', async (ctx, action, owned) => {
    const module = resolveRef(action.module, Object.keys(owned.record.tenant.modules));
    const version = module === null ? null : resolveRef(action.version, Object.keys(owned.fleet.catalog.get(module)?.versions ?? {}));
    if (module === null || version === null) return OUTDATED;
    return acceptUpdate(ctx, owned, module, version);
  });

  // "Update now" on a release notification: the same as the update button of the bot's view.
  composer.callbackQuery(UPDATE_NOW, async (ctx, next) => {
    const press = parseUpdateNow(ctx.callbackQuery.data);
    if (press === null) return next();
    const fleet = await ctx.deps.fleet.current();
    const record = ownedTenant(fleet, press.slug, ctx.from.id);
    if (record === null) return next();
    const result = await acceptUpdate(ctx, { fleet, record, locale: await ctx.i18n.getLocale() }, press.module, press.version);
    if (result === OUTDATED) return next();
  });

  return composer;
}

/**
 * Takes `version` of an installed module for this one tenant. Only a newer, released version: an
 * old button (or crafted data) must not move a bot back to an older release.
 */
async function acceptUpdate(ctx: BotContext, { fleet, record, locale }: Owned, module: string, version: string): Promise<void | typeof OUTDATED> {
  const installed = record.tenant.modules[module];
  const released = fleet.catalog.get(module)?.versions[version] !== undefined;
  if (installed === undefined || !released || !semver.gt(version, installed.version)) return OUTDATED;
  await ctx.answerCallbackQuery();
  const from = ctx.from;
  if (from === undefined) return;
  const what = ctx.t('my-what-update', { module: moduleTitle(fleet, module, locale), version, bot: record.slug });
  await submitAndReport(ctx, record.slug, {
    kind: 'module.update',
    id: changeId(from.id, 'update', record, { module, version }),
    requestedBy: requester(ctx),
    module,
    version,
    tenants: [record.slug],
  }, what);
}

/** Catalog modules the tenant does not have yet, in name order. */
function installable(catalog: Iterable<string>, installed: Readonly<Record<string, unknown>>): string[] {
  return [...catalog].filter((name) => !Object.hasOwn(installed, name)).sort();
}

/** Installed modules a customer may remove: all but the multi-bot itself. */
function removable(installed: Readonly<Record<string, unknown>>): string[] {
  return Object.keys(installed)
    .filter((name) => name !== CORE_MODULE)
    .sort();
}
