import { timingSafeEqual } from 'node:crypto';
import { type Bot, webhookCallback } from 'grammy';
import type { BotContext } from '../../../bot/context.js';
import type { Secret } from '../../../fleet/secret.js';
import type { RouteGroup } from '../server.js';

export const TELEGRAM_WEBHOOK_PATH = '/webhooks/telegram';
const SECRET_HEADER = 'x-telegram-bot-api-secret-token';

/**
 * `POST /webhooks/telegram` (webhook mode, PUBLIC_URL set): Telegram's secret token header is
 * checked in constant time before anything is parsed into the bot; a wrong or missing one gets
 * 401 and reaches no handler. A handler slower than Telegram's patience answers 200 anyway and
 * goes on (`onTimeout: 'return'`): a redelivered purchase step would be worse than a late reply.
 */
export function telegramWebhookRoutes(opts: { readonly bot: Bot<BotContext>; readonly secret: Secret }): RouteGroup {
  const expected = Buffer.from(opts.secret.reveal());
  const handle = webhookCallback(opts.bot, 'fastify', { onTimeout: 'return', timeoutMilliseconds: 8_000 });
  return {
    name: 'telegram',
    register(scope) {
      scope.post(TELEGRAM_WEBHOOK_PATH, { bodyLimit: 1024 * 1024 }, async (request, reply) => {
        const header = request.headers[SECRET_HEADER];
        const given = Buffer.from(typeof header === 'string' ? header : '');
        if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
          request.log.warn({}, 'telegram webhook refused: wrong secret token');
          return reply.code(401).send({ error: 'unauthorized', message: 'wrong or missing X-Telegram-Bot-Api-Secret-Token' });
        }
        await handle(request, reply);
        return reply;
      });
    },
  };
}
