import { Api, GrammyError, HttpError } from 'grammy';
import type { BotTokenChecker, TokenCheck } from './ports.js';

/** The shape @BotFather hands out: the bot's id, a colon, 35 characters of secret. */
export const BOT_TOKEN = /^\d{5,16}:[A-Za-z0-9_-]{30,50}$/;

/**
 * Checks a customer's bot token with getMe against the Bot API (the emulator in tests). The token
 * goes nowhere else: not into logs, not into errors.
 */
export class GetMeTokenChecker implements BotTokenChecker {
  constructor(private readonly apiRoot: string) {}

  async check(token: string): Promise<TokenCheck> {
    if (!BOT_TOKEN.test(token)) return { ok: false, reason: 'invalid' };
    try {
      const me = await new Api(token, { apiRoot: this.apiRoot, timeoutSeconds: 10 }).getMe();
      if (me.username === undefined || me.username === '') return { ok: false, reason: 'invalid' };
      return { ok: true, id: me.id, username: me.username };
    } catch (error) {
      if (error instanceof GrammyError && (error.error_code === 401 || error.error_code === 404)) return { ok: false, reason: 'revoked' };
      if (error instanceof GrammyError || error instanceof HttpError) return { ok: false, reason: 'unreachable' };
      throw error;
    }
  }
}
