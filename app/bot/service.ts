import { run, type RunnerHandle } from '@grammyjs/runner';
import { Api, type Bot } from 'grammy';
import type { Logger } from 'pino';
import type { PaymentsApi } from '../../billing/contract.js';
import { createBot } from '../../bot/bot.js';
import type { BotContext } from '../../bot/context.js';
import type { ChangeRequests, FleetRepo } from '../../fleet/repo/types.js';
import type { Config } from '../config.js';
import type { Db, TxPool } from '../db/db.js';
import { TELEGRAM_WEBHOOK_PATH, telegramWebhookRoutes } from '../http/routes/telegram.js';
import type { RouteGroup } from '../http/server.js';
import { botDeps } from './deps.js';

export interface BotService {
  /** Null when TELEGRAM_BOT_TOKEN is not set: the rest of the control plane runs without a bot. */
  readonly bot: Bot<BotContext> | null;
  /** `/webhooks/telegram` in webhook mode; none when polling. */
  readonly routes: readonly RouteGroup[];
  /** Stops polling (the updates in hand are finished first). */
  stop(): Promise<void>;
}

export interface BotServiceDeps {
  readonly pool: Db & TxPool;
  readonly repo: FleetRepo & ChangeRequests;
  readonly payments: PaymentsApi | null;
  /** AGE_RECIPIENT, when set; fleet.yaml's secretsRecipient otherwise. */
  readonly recipient: string | null;
  readonly log: Logger;
  readonly kickReconciler?: () => void;
}

/**
 * The bot, as configured: long polling with grammY's runner (updates of different chats side by
 * side), or webhook mode when PUBLIC_URL is set — the webhook is registered with Telegram with
 * the secret token, and updates arrive at POST /webhooks/telegram. Without a token the control
 * plane still runs, and the log says how to switch the bot on.
 */
export async function startBotService(config: Config, deps: BotServiceDeps): Promise<BotService> {
  const log = deps.log.child({ component: 'bot' });
  const token = config.telegram.botToken;
  if (token === null) {
    log.warn({}, 'the Telegram bot is off: set TELEGRAM_BOT_TOKEN (from @BotFather) to switch it on');
    return { bot: null, routes: [], stop: () => Promise.resolve() };
  }
  const api = new Api(token.reveal(), { apiRoot: config.telegram.apiRoot });
  const me = await api.getMe();
  const link = `https://t.me/${me.username}`;
  const bot = createBot(
    token.reveal(),
    botDeps({
      pool: deps.pool,
      repo: deps.repo,
      apiRoot: config.telegram.apiRoot,
      payments: deps.payments,
      paymentLinks: { successUrl: `${link}?start=paid`, cancelUrl: `${link}?start=cancelled`, portalReturnUrl: link },
      recipient: deps.recipient,
      adminIds: config.adminTelegramIds,
      log,
      ...(deps.kickReconciler ? { kickReconciler: deps.kickReconciler } : {}),
    }),
    { apiRoot: config.telegram.apiRoot, botInfo: me },
  );
  await bot.init();

  if (config.telegram.mode === 'webhook' && config.publicUrl !== null && config.telegram.webhookSecret !== null) {
    const url = new URL(TELEGRAM_WEBHOOK_PATH, config.publicUrl).toString();
    await bot.api.setWebhook(url, { secret_token: config.telegram.webhookSecret.reveal(), allowed_updates: ['message', 'callback_query'] });
    log.info({ bot: me.username, url }, 'bot started (webhook)');
    return { bot, routes: [telegramWebhookRoutes({ bot, secret: config.telegram.webhookSecret })], stop: () => Promise.resolve() };
  }
  // Polling and a webhook exclude each other at Telegram: a webhook left by an earlier webhook
  // deployment would make every getUpdates fail.
  await bot.api.deleteWebhook();
  const runner: RunnerHandle = run(bot, { runner: { fetch: { allowed_updates: ['message', 'callback_query'] } } });
  log.info({ bot: me.username }, 'bot started (long polling)');
  return {
    bot,
    routes: [],
    stop: async () => {
      if (runner.isRunning()) await runner.stop();
    },
  };
}
