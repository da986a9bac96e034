import type { MiddlewareFn } from 'grammy';

/**
 * PostgreSQL stores no U+0000, in text or in jsonb: one in a first name, a message text or a
 * payment reference made every write of it fail (the user record on every update, the
 * conversation's replay log, the proof), so the person got "something went wrong" — or, with a
 * NUL in their name, no answer at all. The character has no meaning in a Telegram message, so
 * every string of an update has it replaced by U+FFFD before anything reads the update. The
 * replacement keeps the UTF-16 length, so message entities' offsets still point where they did.
 */
export const NUL_REPLACEMENT = '\uFFFD';

/** Replaces U+0000 in every string of `value`, in place (objects and arrays, any depth). */
export function replaceNul(value: unknown): void {
  if (typeof value !== 'object' || value === null) return;
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const v = record[key];
    if (typeof v === 'string') {
      if (v.includes('\u0000')) record[key] = v.replaceAll('\u0000', NUL_REPLACEMENT);
    } else {
      replaceNul(v);
    }
  }
}

/** The first middleware of the bot: updates reach the rest without U+0000. */
export const nulFree: MiddlewareFn = async (ctx, next) => {
  replaceNul(ctx.update);
  await next();
};
