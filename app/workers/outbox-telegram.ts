import { type Api, GrammyError, HttpError } from 'grammy';
import type { InlineKeyboardButton, InlineKeyboardMarkup } from 'grammy/types';
import type { RenderedButton } from '../../bot/notifications/types.js';
import { redactUrls } from '../../fleet/repo/git/runner.js';
import type { Secret } from '../../fleet/secret.js';

/**
 * The Bot API side of the outbox sender: the keyboard of a rendered message, the edit of a
 * topic's message, and what a failed call means for the row.
 */

/** A button with neither callback data nor a URL: a renderer bug, not something to retry. */
export class RenderedButtonError extends Error {
  override readonly name = 'RenderedButtonError';
}

export function keyboard(rows: readonly (readonly RenderedButton[])[] | undefined): InlineKeyboardMarkup | undefined {
  if (rows === undefined || rows.length === 0) return undefined;
  return {
    inline_keyboard: rows.map((row) =>
      row.map((b): InlineKeyboardButton => {
        if (b.url !== undefined) return { text: b.text, url: b.url };
        if (b.data !== undefined) return { text: b.text, callback_data: b.data };
        throw new RenderedButtonError(`the button "${b.text}" has neither callback data nor a URL`);
      }),
    ),
  };
}

/**
 * Edits a message; false when it is gone (deleted by the person, or too old to edit), so the
 * caller sends a new one. Telegram's "message is not modified" (the same text again: a retry
 * of an edit that went through) counts as done.
 */
export async function editText(api: Api, chat: number, messageId: number, text: string, markup: InlineKeyboardMarkup | undefined): Promise<boolean> {
  try {
    await api.editMessageText(chat, messageId, text, markup === undefined ? {} : { reply_markup: markup });
    return true;
  } catch (error) {
    if (error instanceof GrammyError && error.error_code === 400) {
      if (/message is not modified/i.test(error.description)) return true;
      if (/message to edit not found|message can't be edited|message_id_invalid|message not found/i.test(error.description)) return false;
    }
    throw error;
  }
}

/** What a failed call means for its row. */
export type CallFailure =
  /** 429: Telegram wants no calls for this long. */
  | { readonly kind: 'rate_limited'; readonly retryAfterMs: number; readonly reason: string }
  /** 403: the person blocked the bot, or deleted their account. */
  | { readonly kind: 'blocked'; readonly reason: string }
  /** 400: the same request would be refused again (chat not found, text too long). */
  | { readonly kind: 'refused'; readonly reason: string }
  /** Anything else (network, 5xx): may pass. */
  | { readonly kind: 'transient'; readonly reason: string };

/** Telegram's answer when it gives none: wait a little before trying again. */
const DEFAULT_RETRY_AFTER_S = 5;

export function classifyCall(error: unknown, token: Secret): CallFailure | null {
  if (error instanceof GrammyError) {
    // The description is Telegram's own words; GrammyError's payload (the message text, maybe
    // a password) is never read.
    const reason = redact(`${error.method}: ${error.error_code} ${error.description}`, token);
    if (error.error_code === 429) return { kind: 'rate_limited', retryAfterMs: (error.parameters.retry_after ?? DEFAULT_RETRY_AFTER_S) * 1000, reason };
    if (error.error_code === 403) return { kind: 'blocked', reason };
    if (error.error_code === 400) return { kind: 'refused', reason };
    return { kind: 'transient', reason };
  }
  if (error instanceof HttpError) {
    const cause = error.error instanceof Error ? `: ${error.error.message}` : '';
    return { kind: 'transient', reason: redact(`${error.message}${cause}`, token) };
  }
  return null;
}

/**
 * An error's text for `last_error` and the logs: the bot token (also in its `bot<id>:<secret>`
 * URL form) and URL credentials removed, bounded.
 */
export function redact(text: string, token: Secret): string {
  const secret = token.reveal();
  const without = secret === '' ? text : text.split(secret).join('[REDACTED]');
  return redactUrls(without.replace(/\bbot\d+:[A-Za-z0-9_-]{20,}/g, 'bot[REDACTED]')).slice(0, 1_000);
}
