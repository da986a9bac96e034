import pg from 'pg';
import { ALLOWED_UPDATES, createCoreBot } from './bot.js';
import { loadConfig } from './config.js';
import { cached, serveHealth } from './health.js';
import { createLog, type Log, urlPassword } from './log.js';
import { assertSchema } from './store.js';

export interface RunningCore {
  readonly healthPort: number;
  /** Resolves when polling ends: after `stop`, or when getUpdates fails for good. */
  readonly done: Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts core from its environment: config, schema check, getMe, health server, long polling.
 * Throws (and leaves nothing running) when any of them fails, so the container exits and docker
 * restarts it.
 */
export async function startCore(env: NodeJS.ProcessEnv, log?: Log): Promise<RunningCore> {
  const config = loadConfig(env);
  log ??= createLog('core', [config.botToken, urlPassword(config.databaseUrl)]);
  const pool = new pg.Pool({ connectionString: config.databaseUrl, max: 4, connectionTimeoutMillis: 5000 });
  // An idle client whose connection drops emits 'error'; unhandled, it would end the process.
  pool.on('error', (error) => log.error('database connection lost', { error: error.message }));
  try {
    log.debug('checking the schema');
    await assertSchema(pool, config.version);
    const bot = createCoreBot({ config, db: pool, log });
    log.debug('asking Telegram who the bot is (getMe)');
    await bot.init();
    const health = await serveHealth({
      port: config.port,
      version: config.version,
      checks: {
        telegram: cached(async () => void (await bot.api.getMe()), 30_000),
        database: async () => void (await pool.query('SELECT 1')),
      },
    });
    const done = bot.start({
      allowed_updates: ALLOWED_UPDATES,
      onStart: (me) => log.info('polling', { bot: me.username, version: config.version, chats: config.chats.length, healthPort: health.port }),
    });
    let stopping: Promise<void> | null = null;
    const stop = () =>
      (stopping ??= (async () => {
        await bot.stop();
        await done.catch(() => undefined);
        await health.close();
        await pool.end();
      })());
    return { healthPort: health.port, done, stop };
  } catch (error) {
    await pool.end();
    throw error;
  }
}
