import { z } from 'zod';
import { Slug } from '../../fleet/schema/index.js';
import { PayloadError, type Renderers } from './types.js';

/**
 * A paid purchase (app/workers/stripe-messages.ts queues `purchase.paid` when Stripe confirms the
 * Checkout). Its topic is the deploy's, so the deploy's progress messages edit this one message
 * instead of adding new ones.
 */

const Payload = z.object({ tenant: Slug });

export const PURCHASE_RENDERERS: Renderers = {
  'purchase.paid': (payload, t) => {
    const parsed = Payload.safeParse(payload);
    if (!parsed.success) throw new PayloadError(`purchase.paid: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(payload)'}: ${i.message}`).join('; ')}`);
    const { tenant } = parsed.data;
    return { text: t('notify-purchase-paid', { tenant }), topic: `deploy:${tenant}` };
  },
};
