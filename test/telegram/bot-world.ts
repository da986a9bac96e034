import type { TestContext } from 'vitest';
import { botDeps } from '../../app/bot/deps.js';
import { migrate } from '../../app/db/migrate.js';
import type { PaymentsApi } from '../../billing/contract.js';
import { createBot, type CreateBotOptions } from '../../bot/bot.js';
import type { BotContext } from '../../bot/context.js';
import type { BotDeps, BotLog } from '../../bot/ports.js';
import { Secret } from '../../fleet/secret.js';
import type { Bot } from 'grammy';
import { fleetFiles, type FleetManifests, TEST_RECIPIENT, validFleetManifests } from '../fleet-fixtures.js';
import { makeTempBareRepo, type TempBareRepo } from '../git.js';
import { type TestDatabase, testDatabase } from '../pg/database.js';
import { startTelegramEmulator, type TelegramEmulator } from './emulator.js';
import { TestUser } from './user.js';

/** The buckfleet bot's own token in tests (the emulator accepts any). */
export const BOT_TOKEN = '7000000001:AAbuckfleetTestTokenForTheEmulator0123';
export const BOT_USERNAME = 'buckfleet_test_bot';

export interface BotWorld {
  readonly db: TestDatabase;
  readonly fleet: TempBareRepo;
  readonly emulator: TelegramEmulator;
  readonly deps: BotDeps;
  readonly bot: Bot<BotContext>;
  /** What the bot logged at warn and error, for assertions that nothing secret was logged. */
  readonly logged: string[];
  user(id: number, profile?: { firstName?: string; username?: string; languageCode?: string }): TestUser;
  /** Stops the bot (as a crash would, without finishing anything) and starts a new one on the same state. */
  restart(): Promise<void>;
}

export interface BotWorldOptions {
  /** Edits the fixture fleet before the repo is made (fleet-fixtures.ts validFleetManifests). */
  readonly manifests?: (m: FleetManifests) => void;
  readonly features?: CreateBotOptions['features'];
  readonly payments?: PaymentsApi | null;
  readonly now?: () => Date;
  readonly deps?: (deps: BotDeps) => BotDeps;
}

/**
 * A running bot for one test: real control database (migrated), a real local fleet repo with the
 * fixture fleet, the Telegram emulator, and the bot long-polling it. Everything is torn down when
 * the test finishes.
 */
export async function startBotWorld(ctx: TestContext, opts: BotWorldOptions = {}): Promise<BotWorld> {
  const db = await testDatabase(ctx);
  await migrate(new Secret(db.url));
  const manifests = validFleetManifests();
  opts.manifests?.(manifests);
  const fleet = await makeTempBareRepo(Object.fromEntries(fleetFiles(manifests)));
  const emulator = await startTelegramEmulator({ token: BOT_TOKEN, id: 7_000_000_001, username: BOT_USERNAME });
  const logged: string[] = [];
  const log: BotLog = {
    info: () => undefined,
    warn: (fields, message) => logged.push(`${message} ${JSON.stringify(fields)}`),
    error: (fields, message) => logged.push(`${message} ${JSON.stringify(fields)}`),
  };
  let deps = botDeps({
    pool: db.pool,
    repo: fleet.repo,
    apiRoot: emulator.apiRoot,
    payments: opts.payments ?? null,
    paymentLinks: { successUrl: `https://t.me/${BOT_USERNAME}?start=paid`, cancelUrl: `https://t.me/${BOT_USERNAME}?start=cancelled`, portalReturnUrl: `https://t.me/${BOT_USERNAME}` },
    recipient: TEST_RECIPIENT,
    adminIds: [],
    log,
    ...(opts.now ? { now: opts.now } : {}),
  });
  if (opts.deps) deps = opts.deps(deps);

  const start = () => {
    const bot = createBot(BOT_TOKEN, deps, { apiRoot: emulator.apiRoot, ...(opts.features ? { features: opts.features } : {}) });
    // Unawaited by design: start() resolves only when polling stops.
    void bot.start({ timeout: 1, drop_pending_updates: false });
    return bot;
  };
  let bot = start();
  const stop = async () => {
    if (bot.isRunning()) await bot.stop();
  };
  ctx.onTestFinished(async () => {
    await stop();
    await emulator.close();
    await fleet.cleanup();
  });
  return {
    db,
    fleet,
    emulator,
    deps,
    get bot() {
      return bot;
    },
    logged,
    user: (id, profile) => new TestUser(emulator, BOT_TOKEN, id, profile),
    restart: async () => {
      await stop();
      bot = start();
    },
  };
}
