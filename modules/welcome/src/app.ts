import { loadWorkerEnv, type RunningWorker, startWorker, type WorkerEnv, type WorkerOptions } from '../../kit/src/worker.js';
import { greetNewJoins, type PassResult } from './greeter.js';

export type WelcomeConfig = WorkerEnv & { readonly greeting: string };

/** A join older than this is not greeted: a greeting hours late is noise (welcome was down, or just installed). */
const MAX_AGE_MS = 10 * 60_000;

/** BOT_TOKEN, DATABASE_URL, CHATS, TELEGRAM_API_ROOT, PORT (8081), POLL_SECONDS, and GREETING. */
export function loadWelcomeConfig(env: NodeJS.ProcessEnv): WelcomeConfig {
  return loadWorkerEnv('welcome', env, 8081, (read, check) => {
    const greeting = read('GREETING', 'Welcome, {name}!');
    check('GREETING', greeting.length <= 4000, 'must be at most 4000 characters');
    return { greeting };
  });
}

/**
 * welcome does not poll Telegram (core does): every POLL_SECONDS it greets the joins core 1.1
 * recorded in core_chat_joins, with sendMessage.
 */
export function startWelcome(env: NodeJS.ProcessEnv, opts?: WorkerOptions): Promise<RunningWorker<PassResult>> {
  const config = loadWelcomeConfig(env);
  return startWorker(
    {
      module: 'welcome',
      env: config,
      tables: ['core_chat_joins', 'welcome_greetings'],
      schemaHint: 'install core >= 1.1 and let the reconciler apply the migrations',
      pass: ({ db, api }, now) =>
        greetNewJoins({ db, send: async (chatId, text) => (await api.sendMessage(chatId, text)).message_id, chatIds: config.chatIds, greeting: config.greeting, maxAgeMs: MAX_AGE_MS }, now),
    },
    opts,
  );
}
