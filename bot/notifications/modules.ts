import { z } from 'zod';
import { ModuleName, SemVer, Slug } from '../../fleet/schema/index.js';
import { ROLLOUT_HALTED } from '../../modules/advance.js';
import { UPDATE_AVAILABLE } from '../../modules/release.js';
import { MENU } from '../main-menu.js';
import { parsePayload } from './payload.js';
import type { Rendered, Renderers, Translate } from './types.js';

/**
 * Releases (modules/release.ts, modules/advance.ts): a `notify` tenant's owner is told a new
 * version is out, with its release notes and an "Update now" button whose data
 * (`upd:<slug>:<module>:<version>`) the My bots feature answers by opening the update; admins
 * are told when a staged rollout stopped because a canary failed.
 */

const UpdateAvailable = z.object({
  tenant: Slug,
  module: ModuleName,
  version: SemVer,
  from: SemVer,
  title: z.object({ en: z.string(), ru: z.string().optional() }).optional(),
  notes: z.string().optional(),
});
const RolloutHalted = z.object({ module: ModuleName, version: SemVer, canaryPr: z.number().int(), reason: z.string() });

/** Telegram takes 4096 characters; notes are cut well before, the rest is in the changelog. */
const MAX_NOTES = 3000;
/** Telegram's limit for callback data. */
const MAX_CALLBACK_BYTES = 64;

/** The "Update now" data; null when the names are too long for Telegram (the owner updates from My bots). */
export function updateNowData(slug: string, module: string, version: string): string | null {
  const data = `upd:${slug}:${module}:${version}`;
  return Buffer.byteLength(data) <= MAX_CALLBACK_BYTES ? data : null;
}

const cut = (text: string) => (text.length > MAX_NOTES ? `${text.slice(0, MAX_NOTES)}…` : text);

export const MODULE_RENDERERS: Renderers = {
  [UPDATE_AVAILABLE]: (payload, t): Rendered => {
    const p = parsePayload(UpdateAvailable, UPDATE_AVAILABLE, payload);
    // A renderer does not know the recipient's language: each locale picks its own title.
    const titleEn = p.title?.en ?? p.module;
    const titleRu = p.title?.ru ?? titleEn;
    const head = t('notify-release-available', { titleEn, titleRu, version: p.version, tenant: p.tenant, from: p.from });
    const notes = p.notes?.trim() ? `${t('notify-release-notes')}\n${cut(p.notes.trim())}` : t('notify-release-no-notes');
    const data = updateNowData(p.tenant, p.module, p.version);
    return {
      text: `${head}\n\n${notes}`,
      buttons: [[...(data === null ? [] : [{ text: t('notify-release-update-now'), data }]), { text: t('menu-my-bots'), data: MENU.myBots }]],
    };
  },
  [ROLLOUT_HALTED]: (payload, t: Translate): Rendered => {
    const p = parsePayload(RolloutHalted, ROLLOUT_HALTED, payload);
    return {
      text: `${t('notify-admin-rollout-halted', { module: p.module, version: p.version, pr: p.canaryPr })}\n\n${cut(p.reason)}`,
      buttons: [[{ text: t('menu-admin'), data: MENU.admin }]],
    };
  },
};
