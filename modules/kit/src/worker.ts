import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Api } from 'grammy';
import pg from 'pg';

/**
 * The runtime the reference worker modules (welcome, scheduled-posts) share: they do not poll
 * Telegram (core does, and two pollers on one bot token conflict); each runs a pass over the
 * tenant database every POLL_SECONDS and sends with the Bot API. Not a module itself (no
 * module.yaml): bundled into each worker's one file by modules/build.ts.
 */

/** The environment every worker reads, as module.yaml renders it. */
export interface WorkerEnv {
  readonly botToken: string;
  readonly databaseUrl: string;
  readonly chatIds: readonly number[];
  readonly apiRoot: string;
  readonly port: number;
  readonly pollMs: number;
  readonly version: string;
}

/** Names each bad variable, never its value (a token, a password). */
export class WorkerConfigError extends Error {
  override readonly name = 'WorkerConfigError';
  constructor(
    readonly module: string,
    readonly problems: readonly string[],
  ) {
    super(`invalid environment: ${problems.join('; ')}`);
  }
}

/** The tenant database lacks tables the worker needs: a required module missing, or migrations not applied yet. */
export class WorkerSchemaError extends Error {
  override readonly name = 'WorkerSchemaError';
  constructor(
    readonly module: string,
    readonly missing: readonly string[],
    hint: string,
  ) {
    super(`${module} needs the tables ${missing.join(', ')}: ${hint}`);
  }
}

/** Reads one variable; empty counts as unset. */
export type Read = (key: string, fallback?: string) => string;
export type Check = (key: string, ok: boolean, rule: string) => void;

/**
 * The common variables plus the module's own (`extra`, which reads and checks with the same
 * helpers, so every problem of the environment is reported at once).
 */
export function loadWorkerEnv<X>(module: string, env: NodeJS.ProcessEnv, defaultPort: number, extra: (read: Read, check: Check) => X): WorkerEnv & X {
  const problems: string[] = [];
  const read: Read = (key, fallback) => {
    const value = env[key] === '' ? undefined : (env[key] ?? fallback);
    if (value === undefined) problems.push(`${key}: is not set`);
    return value ?? '';
  };
  const check: Check = (key, ok, rule) => void (ok || problems.push(`${key}: ${rule}`));
  const botToken = read('BOT_TOKEN');
  const databaseUrl = read('DATABASE_URL');
  check('DATABASE_URL', databaseUrl === '' || /^postgres(ql)?:\/\//.test(databaseUrl), 'must be a postgres:// URL');
  const chatIds = parseChatIds(read('CHATS', '[]'));
  check('CHATS', chatIds !== null, 'must be a JSON array of chats with numeric ids');
  const apiRoot = read('TELEGRAM_API_ROOT', 'https://api.telegram.org').replace(/\/+$/, '');
  check('TELEGRAM_API_ROOT', /^https?:\/\/\S+$/.test(apiRoot), 'must be an http(s) URL');
  const port = Number(read('PORT', String(defaultPort)));
  check('PORT', Number.isInteger(port) && port >= 0 && port <= 65535, 'must be a port number');
  const pollSeconds = Number(read('POLL_SECONDS', '2'));
  check('POLL_SECONDS', pollSeconds > 0 && pollSeconds <= 3600, 'must be a number of seconds (0 < s <= 3600)');
  const own = extra(read, check);
  if (problems.length > 0) throw new WorkerConfigError(module, problems);
  return { botToken, databaseUrl, chatIds: chatIds ?? [], apiRoot, port, pollMs: pollSeconds * 1000, version: read('BUCKFLEET_MODULE_VERSION', '0.0.0-dev'), ...own };
}

/** `CHATS` as the reconciler renders `{ from: chats }`: `[{ "id": -100…, "type": …, "title": … }]`. */
function parseChatIds(text: string): number[] | null {
  try {
    const chats: unknown = JSON.parse(text);
    if (!Array.isArray(chats)) return null;
    const ids: number[] = [];
    for (const c of chats as unknown[]) {
      if (typeof c !== 'object' || c === null || !('id' in c) || typeof c.id !== 'number' || !Number.isInteger(c.id)) return null;
      ids.push(c.id);
    }
    return ids;
  } catch {
    return null;
  }
}

export interface WorkerDeps {
  readonly db: pg.Pool;
  readonly api: Api;
}

export interface WorkerSpec<R extends Record<string, number>> {
  readonly module: string;
  readonly env: WorkerEnv;
  /** Tables the pass reads or writes; checked once at start. */
  readonly tables: readonly string[];
  /** What to do when tables are missing, for the error. */
  readonly schemaHint: string;
  pass(deps: WorkerDeps, now: Date): Promise<R>;
}

export interface RunningWorker<R> {
  readonly healthPort: number;
  /** Runs one pass now (tests); the timer runs them every POLL_SECONDS. */
  pass(): Promise<R>;
  stop(): Promise<void>;
}

export interface WorkerOptions {
  /** The clock the passes see (tests move it); wall time otherwise. */
  readonly now?: () => Date;
  readonly log?: (line: string) => void;
}

/**
 * Checks the schema and the token (getMe), serves GET /healthz (200 while the last pass reached
 * the database, at most three poll intervals ago), runs a first pass and then one every
 * POLL_SECONDS, never two at once. Throws, leaving nothing running, when it cannot start.
 */
export async function startWorker<R extends Record<string, number>>(spec: WorkerSpec<R>, opts: WorkerOptions = {}): Promise<RunningWorker<R>> {
  const { env, module } = spec;
  const now = opts.now ?? (() => new Date());
  const write = opts.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  // No field ever holds the token or the database URL; library errors are scrubbed of both anyway.
  const secrets = [env.botToken, env.databaseUrl].filter((s) => s.length >= 4);
  const log = (msg: string, fields: Record<string, unknown> = {}) => {
    let line = JSON.stringify({ time: new Date().toISOString(), module, msg, ...fields });
    for (const s of secrets) line = line.split(s).join('[REDACTED]');
    write(line);
  };
  const db = new pg.Pool({ connectionString: env.databaseUrl, max: 2, connectionTimeoutMillis: 5000 });
  // An idle client whose connection drops emits 'error'; unhandled, it would end the process.
  db.on('error', (error) => log('database connection lost', { error: error.message }));
  const api = new Api(env.botToken, { apiRoot: env.apiRoot });
  try {
    const r = await db.query<{ name: string }>('SELECT t AS name FROM unnest($1::text[]) AS t WHERE to_regclass(t) IS NULL', [spec.tables]);
    if (r.rows.length > 0) throw new WorkerSchemaError(module, r.rows.map((row) => row.name), spec.schemaHint);
    await api.getMe(); // a revoked token fails here, once, not on every message
  } catch (error) {
    await db.end();
    throw error;
  }
  let lastOk = 0;
  let running: Promise<unknown> = Promise.resolve();
  const pass = (): Promise<R> => {
    const next = running.then(async () => {
      const r = await spec.pass({ db, api }, now());
      lastOk = Date.now();
      if (Object.values(r).some((n) => n > 0)) log('pass', r);
      return r;
    });
    running = next.catch(() => undefined);
    return next;
  };
  const timer = setInterval(() => void pass().catch((error: unknown) => log('pass failed', { error: error instanceof Error ? error.message : String(error) })), env.pollMs);
  const server = createServer((req, res) => {
    if (req.url !== '/healthz') return void res.writeHead(404).end();
    const ok = Date.now() - lastOk < 3 * env.pollMs + 5000;
    res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ ok, version: env.version }));
  });
  await new Promise<void>((resolve) => server.listen(env.port, '0.0.0.0', resolve));
  const stop = async () => {
    clearInterval(timer);
    await running;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await db.end();
  };
  try {
    await pass();
  } catch (error) {
    await stop();
    throw error;
  }
  log('running', { version: env.version, chats: env.chatIds.length });
  return { healthPort: (server.address() as AddressInfo).port, pass, stop };
}

/**
 * A worker's entry point: `node index.cjs` runs it until SIGTERM; `node index.cjs healthcheck`
 * is the image's health check (the image has node and nothing else, no curl or wget).
 */
export function workerMain(module: string, defaultPort: number, start: (env: NodeJS.ProcessEnv) => Promise<{ stop(): Promise<void> }>): void {
  const main = async (): Promise<number> => {
    if (process.argv[2] === 'healthcheck') {
      const r = await fetch(`http://127.0.0.1:${process.env.PORT || defaultPort}/healthz`, { signal: AbortSignal.timeout(5000) }).catch(() => null);
      return r?.status === 200 ? 0 : 1;
    }
    const worker = await start(process.env);
    await new Promise<void>((resolve) => {
      process.once('SIGTERM', resolve);
      process.once('SIGINT', resolve);
    });
    await worker.stop();
    return 0;
  };
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`${module}: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}\n`);
      process.exit(1);
    },
  );
}
