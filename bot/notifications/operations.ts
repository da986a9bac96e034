import { z } from 'zod';
import { MENU } from '../main-menu.js';
import { PayloadError, type Rendered, type Renderers, type Translate } from './types.js';

/**
 * The outcome of an operation a customer asked for (a restart), written by the reconciler
 * (reconciler/operations.ts): `operation.done`, or `operation.failed` with a reason code. A
 * reason this code does not know (a newer reconciler) reads as the generic failure.
 */

const Payload = z.object({
  tenant: z.string().min(1).max(64),
  operation: z.literal('restart'),
  reason: z.string().optional(),
});

function parse(kind: string, payload: unknown): z.infer<typeof Payload> {
  const parsed = Payload.safeParse(payload);
  if (!parsed.success) throw new PayloadError(`${kind}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(payload)'}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

/** Every key literal, so the locales test sees each one. */
function failedText(t: Translate, reason: string | undefined, tenant: string): string {
  switch (reason) {
    case 'deleted':
      return t('notify-restart-failed-deleted', { tenant });
    case 'suspended':
      return t('notify-restart-failed-suspended', { tenant });
    case 'cancelled':
      return t('notify-restart-failed-cancelled', { tenant });
    case 'unpaid':
      return t('notify-restart-failed-unpaid', { tenant });
    case 'not_deployed':
      return t('notify-restart-failed-not-deployed', { tenant });
    case 'host_unavailable':
      return t('notify-restart-failed-host-unavailable', { tenant });
    default:
      return t('notify-restart-failed-error', { tenant });
  }
}

const withMyBots = (t: Translate, text: string): Rendered => ({ text, buttons: [[{ text: t('menu-my-bots'), data: MENU.myBots }]] });

export const OPERATION_RENDERERS: Renderers = {
  'operation.done': (payload, t) => {
    const p = parse('operation.done', payload);
    return withMyBots(t, t('notify-restart-done', { tenant: p.tenant }));
  },
  'operation.failed': (payload, t) => {
    const p = parse('operation.failed', payload);
    return withMyBots(t, failedText(t, p.reason, p.tenant));
  },
};
