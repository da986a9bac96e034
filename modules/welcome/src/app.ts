import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Api } from 'grammy';
import pg from 'pg';
import { loadWelcomeConfig } from './config.js';
import { greetNewJoins, missingTables, type PassResult, WelcomeSchemaError } from './greeter.js';

export interface RunningWelcome {
  readonly healthPort: number;
  /** Runs one pass now (tests); the timer runs them every POLL_SECONDS. */
  pass(): Promise<PassResult>;
  stop(): Promise<void>;
}

const MAX_AGE_MS = 10 * 60_000;

/**
 * welcome does not poll Telegram (core does; two pollers on one token conflict): it reads the
 * joins core records and sends each greeting with sendMessage. GET /healthz is 200 while the
 * last pass reached the database, at most three poll intervals ago.
 */
export async function startWelcome(env: NodeJS.ProcessEnv, opts: { now?: () => Date; log?: (line: string) => void } = {}): Promise<RunningWelcome> {
  const config = loadWelcomeConfig(env);
  const now = opts.now ?? (() => new Date());
  const log = opts.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const info = (msg: string, fields: Record<string, unknown> = {}) => log(JSON.stringify({ time: new Date().toISOString(), module: 'welcome', msg, ...fields }));
  const pool = new pg.Pool({ connectionString: config.databaseUrl, max: 2, connectionTimeoutMillis: 5000 });
  pool.on('error', (error) => info('database connection lost', { error: error.message }));
  const api = new Api(config.botToken, { apiRoot: config.apiRoot });
  let lastOk = 0;
  try {
    const missing = await missingTables(pool);
    if (missing.length > 0) throw new WelcomeSchemaError(missing);
    await api.getMe(); // a revoked token fails here, once, not on every greeting
  } catch (error) {
    await pool.end();
    throw error;
  }
  const deps = { db: pool, send: async (chatId: number, text: string) => (await api.sendMessage(chatId, text)).message_id, chatIds: config.chatIds, greeting: config.greeting, maxAgeMs: MAX_AGE_MS };
  // One pass at a time: the timer and a test's pass() never overlap.
  let running: Promise<PassResult> = Promise.resolve({ sent: 0, failed: 0 });
  const pass = () =>
    (running = running.then(async () => {
      const r = await greetNewJoins(deps, now());
      lastOk = Date.now();
      if (r.sent + r.failed > 0) info('greeted', { ...r });
      return r;
    }));
  const timer = setInterval(() => void pass().catch((error: unknown) => info('pass failed', { error: error instanceof Error ? error.message : String(error) })), config.pollMs);
  const server = createServer((req, res) => {
    const healthy = req.url === '/healthz' && Date.now() - lastOk < 3 * config.pollMs + 5000;
    res.writeHead(req.url === '/healthz' ? (healthy ? 200 : 503) : 404, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: healthy, version: config.version }));
  });
  await new Promise<void>((resolve) => server.listen(config.port, '0.0.0.0', resolve));
  await pass();
  info('running', { version: config.version, chats: config.chatIds.length });
  return {
    healthPort: (server.address() as AddressInfo).port,
    pass,
    stop: async () => {
      clearInterval(timer);
      await running.catch(() => undefined);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await pool.end();
    },
  };
}
