import type { z } from 'zod';
import { PayloadError } from './types.js';

/**
 * Parses an outbox payload with its kind's schema; a payload that does not fit is a
 * `PayloadError` naming the kind and each field that is wrong (never the values: a payload may
 * hold an amount or a message someone should not see in a log line).
 */
export function parsePayload<S extends z.ZodType>(schema: S, kind: string, payload: unknown): z.infer<S> {
  const parsed = schema.safeParse(payload);
  if (!parsed.success) throw new PayloadError(`${kind}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(payload)'}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

