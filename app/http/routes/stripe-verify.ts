import Stripe from 'stripe';
import { z } from 'zod';
import type { Secret } from '../../../fleet/secret.js';

/**
 * Is this request a webhook event from Stripe, signed with our endpoint's secret, and recent?
 * `Stripe.webhooks.constructEvent` decides on the raw body (parsing first would change the bytes
 * that were signed). Each refusal gets a reason code and a one-line message for the sender:
 * Stripe shows it in the dashboard's delivery log, where an operator looks for the cause.
 */

export type VerifyFailure =
  /** No Stripe-Signature header. */
  | 'unsigned'
  /** A signature, but not ours for these bytes: forged, the body changed, another endpoint's secret. */
  | 'bad_signature'
  /** Signed by us, but longer ago than the tolerance: a replay, or a clock far off. */
  | 'stale'
  /** Signed by us, but not a Stripe event we can store (not JSON, no `evt_` id). */
  | 'not_an_event';

/** What the inbox needs from a verified event; the whole body is stored as it came. */
export interface EventHead {
  readonly id: string;
  readonly type: string;
}

export type Verified = { readonly ok: true; readonly event: EventHead } | { readonly ok: false; readonly reason: VerifyFailure; readonly message: string };

export interface VerifyOptions {
  /** Seconds a signature stays valid; Stripe's default is 300. */
  readonly toleranceSeconds?: number;
  /** The clock, injected for tests (milliseconds since the epoch). */
  readonly nowMs?: number;
}

const Head = z.object({
  // The same shape the change requests accept as a Stripe actor (fleet/changes/request.ts).
  id: z.string().regex(/^evt_[A-Za-z0-9]+$/),
  type: z.string().regex(/^[a-z0-9_.]{1,100}$/),
});

export function verifyStripeEvent(raw: Buffer, header: string | undefined, secret: Secret, opts: VerifyOptions = {}): Verified {
  const tolerance = opts.toleranceSeconds ?? Stripe.webhooks.DEFAULT_TOLERANCE;
  if (header === undefined || header.trim() === '') return fail('unsigned', 'missing Stripe-Signature header');
  let event: unknown;
  try {
    event = Stripe.webhooks.constructEvent(raw, header, secret.reveal(), tolerance, undefined, opts.nowMs);
  } catch (error) {
    // Stripe's errors carry no reason code, and their text is not a contract: check the
    // signature again without the age limit (tolerance 0) to tell "stale" from "forged".
    if (error instanceof Stripe.errors.StripeSignatureVerificationError) {
      return signatureMatches(raw, header, secret, 0, opts.nowMs)
        ? fail('stale', `signature timestamp is more than ${tolerance} s old`)
        : fail('bad_signature', 'Stripe-Signature does not match the body (forged, changed after signing, or signed with another secret)');
    }
    // The signature passed and the body still failed: not JSON, or a thin (v2) event notification.
    if (signatureMatches(raw, header, secret, tolerance, opts.nowMs)) return fail('not_an_event', 'the signed body is not a Stripe snapshot event');
    throw error;
  }
  const head = Head.safeParse(event);
  if (!head.success) return fail('not_an_event', 'the signed body has no Stripe event id (evt_...) and type');
  return { ok: true, event: head.data };
}

function signatureMatches(raw: Buffer, header: string, secret: Secret, tolerance: number, nowMs: number | undefined): boolean {
  const signature = Stripe.webhooks.signature;
  if (signature === null) return false;
  try {
    return signature.verifyHeader(raw, header, secret.reveal(), tolerance, undefined, nowMs);
  } catch (error) {
    if (error instanceof Stripe.errors.StripeSignatureVerificationError) return false;
    throw error;
  }
}

const fail = (reason: VerifyFailure, message: string): Verified => ({ ok: false, reason, message });
