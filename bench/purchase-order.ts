import type pg from 'pg';
import { PgOrderStore } from '../app/orders.js';
import { sealValue, TEST_RECIPIENT } from '../test/fleet-fixtures.js';
import { checkoutCompletedEvent, deliver, type Delivery, signed } from '../test/stripe-webhook.js';

/**
 * One purchase as Stripe completes it: the pending order the bot stores before Checkout (put
 * before any clock starts: in real life it is minutes older than the payment), then the signed
 * `checkout.session.completed` POSTed to the control plane's /webhooks/stripe.
 */
export interface Purchase {
  readonly slug: string;
  /** The world's plans: basic is shared, pro dedicated (test/e2e/world.ts). */
  readonly plan: 'basic' | 'pro';
  readonly owner: number;
  readonly botToken: string;
}

export async function storeOrder(db: pg.Pool, p: Purchase): Promise<void> {
  const stored = await new PgOrderStore(db).put({
    tenant: p.slug,
    telegramUserId: p.owner,
    plan: p.plan,
    modules: [],
    chats: [],
    secrets: { BOT_TOKEN: await sealValue(TEST_RECIPIENT, p.botToken) },
    createdAt: new Date().toISOString(),
  });
  if (!stored) throw new Error(`the order of ${p.slug} was not stored`);
}

/** The signed event of a paid Checkout for `p`, ready to POST. */
export function paidCheckout(p: Purchase): Delivery {
  const event = checkoutCompletedEvent(`evt_1Bench${p.slug.replace(/-/g, '')}`, {
    tenant: p.slug,
    telegramUserId: p.owner,
    customer: `cus_${p.slug.replace(/-/g, '')}`,
    subscription: `sub_${p.slug.replace(/-/g, '')}`,
    created: new Date().toISOString(),
  });
  // The helper's metadata says plan basic; the order's plan must match it (billing checks).
  const object = (event.data as { object: { metadata: Record<string, string> } }).object;
  object.metadata.plan = p.plan;
  return signed(event);
}

export interface Delivered {
  readonly slug: string;
  readonly sentAt: number;
  readonly answeredAt: number;
  readonly status: number;
}

export async function deliverPaid(planeUrl: string, slug: string, delivery: Delivery): Promise<Delivered> {
  const sentAt = Date.now();
  const { status } = await deliver(planeUrl, delivery);
  return { slug, sentAt, answeredAt: Date.now(), status };
}
