import { z } from 'zod';
import { Slug } from '../../../fleet/schema/index.js';

/**
 * `pay:manual:<slug>:<purchase|renewal>`: the button that starts a manual payment. The buy flow
 * shows it for a purchase, "My bots" for a renewal. At most 52 bytes. Parsed, never trusted: the
 * handler checks that the user owns what it names.
 */
export const ManualKind = z.enum(['purchase', 'renewal']);
export type ManualKind = z.infer<typeof ManualKind>;

const PREFIX = 'pay:manual:';
export const MANUAL_PAYMENT_DATA = /^pay:manual:/;

export const manualPaymentData = (tenant: string, kind: ManualKind): string => `${PREFIX}${tenant}:${kind}`;

const Parts = z.tuple([Slug, ManualKind]);

export function parseManualPaymentData(data: string): { readonly tenant: string; readonly kind: ManualKind } | null {
  if (!data.startsWith(PREFIX)) return null;
  const parsed = Parts.safeParse(data.slice(PREFIX.length).split(':'));
  return parsed.success ? { tenant: parsed.data[0], kind: parsed.data[1] } : null;
}
