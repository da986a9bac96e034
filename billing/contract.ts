/**
 * The seams of billing/, fixed first so its parts can be built side by side:
 * - pure rules (`stripe-events.ts`, `clock.ts`): facts in, change requests and reminders out;
 * - the payments edge (`stripe-api.ts`): Checkout and the Customer Portal through `stripe`;
 * - pending orders, stored by the bot before payment and read when Stripe confirms it.
 * Billing never touches hosts or databases: it writes change requests (DESIGN.md Layout).
 */
import type { ChangeRequestInput } from '../fleet/changes/index.js';
import type { Chat } from '../fleet/schema/index.js';

/** What a customer asked for before paying: the bot stores it, the checkout webhook creates the tenant from it. */
export interface PendingOrder {
  readonly tenant: string;
  readonly telegramUserId: number;
  readonly telegramUsername?: string;
  /** The customer's bot as getMe named it when the token was checked (without "@"). */
  readonly botUsername?: string;
  readonly plan: string;
  readonly modules: readonly { readonly name: string; readonly version?: string }[];
  readonly chats: readonly Chat[];
  /** Already sealed to the fleet's recipient (the bot token, checked with getMe). */
  readonly secrets: Readonly<Record<string, string>>;
  readonly createdAt: string;
}

/** Pending orders in the control database (implemented in app/). */
export interface OrderStore {
  /** False, writing nothing, when another customer's order holds the name or it was paid for already. */
  put(order: PendingOrder): Promise<boolean>;
  get(tenant: string): Promise<PendingOrder | null>;
}

export type PurchaseKind = 'purchase' | 'renewal' | 'module';

export interface CheckoutRequest {
  readonly tenant: string;
  readonly telegramUserId: number;
  readonly plan: string;
  readonly kind: PurchaseKind;
  /** The plan's Stripe price (fleet.yaml). */
  readonly priceId: string;
  /** Existing Stripe customer of the tenant, for renewals. */
  readonly customerId?: string;
  readonly successUrl: string;
  readonly cancelUrl: string;
}

/** Stripe's API as billing uses it (a fake API host in tests). */
export interface PaymentsApi {
  createCheckout(request: CheckoutRequest): Promise<{ readonly id: string; readonly url: string }>;
  createPortal(customerId: string, returnUrl: string): Promise<{ readonly url: string }>;
}

/** A message the clock wants sent to a tenant's owner, once (`dedupeKey`). */
export interface Reminder {
  readonly dedupeKey: string;
  readonly telegramUserId: number;
  readonly tenant: string;
  readonly kind: 'billing.reminder' | 'billing.suspended' | 'billing.past_due';
  readonly paidThrough: string | null;
  /** Days left before paid-through (reminders). */
  readonly daysLeft?: number;
}

export interface ClockDecisions {
  /** billing.record status moves (auto-merged by policy) and tenant.delete after retention (left for review). */
  readonly changes: readonly ChangeRequestInput[];
  readonly reminders: readonly Reminder[];
}
