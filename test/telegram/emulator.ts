import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TelegramServer } from 'telegram-test-api/lib/telegramServer.js';
import { readBody } from '../fake-http.js';

/**
 * The `telegram-test-api` emulator, with a thin front for the few Bot API methods it lacks and
 * that buckfleet uses (the real Telegram cannot be reached from here):
 * - `getMe` answers for the buckfleet bot's own token with `ownBot`, for a customer's token from
 *   `customerBots`, and 401 for any other token, as Telegram does for a revoked one;
 * - `getChatMember` answers from `channelMembers`;
 * - `copyMessage`, `sendPhoto`, `setMyCommands`, `setWebhook`-less calls are recorded in `calls`;
 * - `getUpdates` waits up to its `timeout` for an update, as Telegram's long polling does (the
 *   emulator answers at once, which would make a polling bot spin), and asks the emulator again
 *   only when it stores a user update;
 * - `setWebhook` with a `secret_token`: the emulator would post updates without Telegram's
 *   secret header, so the front registers itself as the webhook and relays each update to the
 *   bot's URL with `X-Telegram-Bot-Api-Secret-Token` set, as Telegram does.
 * Everything else is forwarded to the emulator unchanged.
 */
export interface TelegramEmulator {
  /** The Bot API root a bot under test uses (`apiRoot`). */
  readonly apiRoot: string;
  /** The emulator itself (client API: sendMessage, sendCallback, getUpdatesHistory). */
  readonly server: TelegramServer;
  /** Customer bot tokens getMe accepts, with the bot they belong to. */
  readonly customerBots: Map<string, { id: number; username: string }>;
  /** Channel username (`@name`) → ids of its members. */
  readonly channelMembers: Map<string, Set<number>>;
  /** Calls to methods the emulator lacks, in order. */
  readonly calls: { method: string; token: string; body: Record<string, unknown> }[];
  close(): Promise<void>;
}

const RECORDED = new Set(['copyMessage', 'sendPhoto', 'setMyCommands', 'setChatMenuButton', 'forwardMessage']);

export interface OwnBot {
  readonly token: string;
  readonly id: number;
  readonly username: string;
}

export async function startTelegramEmulator(ownBot: OwnBot): Promise<TelegramEmulator> {
  const port = await freePort();
  const server = new TelegramServer({ port, host: '127.0.0.1', storeTimeout: 600 });
  // Every waiting getUpdates listens for the next user update: more than ten bots may poll.
  server.setMaxListeners(0);
  await server.start();
  const upstream = `http://127.0.0.1:${port}`;
  const customerBots = new Map<string, { id: number; username: string }>();
  const channelMembers = new Map<string, Set<number>>();
  const calls: TelegramEmulator['calls'] = [];
  let nextMessageId = 1_000_000;
  let apiRoot = '';

  const front = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      send(res, 500, { ok: false, error_code: 500, description: `emulator front: ${String(error)}` });
    });
  });

  const webhooks = new Map<string, { url: string; secret: string | undefined }>();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const relay = /^\/__webhook\/(.+)$/.exec(req.url ?? '');
    if (relay !== null) {
      const hook = webhooks.get(decodeURIComponent(relay[1]!));
      if (hook === undefined) return send(res, 404, { ok: false, description: 'no webhook' });
      const answer = await fetch(hook.url, { method: 'POST', headers: { 'content-type': 'application/json', ...(hook.secret ? { 'x-telegram-bot-api-secret-token': hook.secret } : {}) }, body: raw });
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(await answer.text());
      return;
    }
    const match = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(req.url ?? '');
    if (match === null) return forward(req, res, raw);
    const [, token, method] = match as unknown as [string, string, string];
    const body = parseBody(raw, req.headers['content-type']);
    if (method === 'getMe') {
      const bot = token === ownBot.token ? ownBot : customerBots.get(token);
      if (bot === undefined) return send(res, 401, { ok: false, error_code: 401, description: 'Unauthorized' });
      return send(res, 200, { ok: true, result: { id: bot.id, is_bot: true, first_name: bot.username, username: bot.username } });
    }
    if (method === 'setWebhook') {
      webhooks.set(token, { url: String(body.url), secret: typeof body.secret_token === 'string' ? body.secret_token : undefined });
      await post(`${upstream}/bot${token}/setWebhook`, { url: `${apiRoot}/__webhook/${encodeURIComponent(token)}` });
      return send(res, 200, { ok: true, result: true });
    }
    if (method === 'deleteWebhook') webhooks.delete(token);
    if (method === 'getChatMember') {
      const members = channelMembers.get(String(body.chat_id));
      if (members === undefined) return send(res, 400, { ok: false, error_code: 400, description: 'Bad Request: chat not found' });
      const status = members.has(Number(body.user_id)) ? 'member' : 'left';
      return send(res, 200, { ok: true, result: { status, user: { id: Number(body.user_id), is_bot: false, first_name: 'User' } } });
    }
    if (RECORDED.has(method)) {
      calls.push({ method, token, body });
      const result = method.startsWith('set') ? true : { message_id: nextMessageId++ };
      return send(res, 200, { ok: true, result });
    }
    if (method === 'getUpdates') {
      const timeout = Math.min(Number(body.timeout ?? 0), 30) * 1000;
      const until = Date.now() + timeout;
      for (;;) {
        // Listening before asking: an update added between the answer and the wait still wakes it.
        const added = nextUserUpdate(server, until - Date.now(), res);
        let answer: unknown;
        try {
          answer = await post(`${upstream}/bot${token}/getUpdates`, {});
        } catch (error) {
          added.cancel();
          throw error;
        }
        const result = (answer as { result?: unknown[] }).result ?? [];
        if (result.length > 0 || Date.now() >= until || res.destroyed) {
          added.cancel();
          return send(res, 200, answer);
        }
        await added.wait;
        // Asking for a poller that left would mark its updates read and send them nowhere.
        if (res.destroyed) return;
      }
    }
    return forward(req, res, raw);
  }

  async function forward(req: IncomingMessage, res: ServerResponse, raw: string): Promise<void> {
    const response = await fetch(`${upstream}${req.url ?? '/'}`, {
      method: req.method ?? 'GET',
      headers: { 'content-type': req.headers['content-type'] ?? 'application/json' },
      ...(req.method === 'GET' || req.method === 'HEAD' ? {} : { body: raw }),
    });
    res.writeHead(response.status, { 'content-type': response.headers.get('content-type') ?? 'application/json' });
    res.end(await response.text());
  }

  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  apiRoot = `http://127.0.0.1:${(front.address() as AddressInfo).port}`;
  return {
    apiRoot,
    server,
    customerBots,
    channelMembers,
    calls,
    close: async () => {
      front.closeAllConnections();
      await new Promise<void>((resolve) => front.close(() => resolve()));
      await server.stop();
    },
  };
}

function parseBody(raw: string, contentType: string | undefined): Record<string, unknown> {
  if (raw === '') return {};
  if (contentType?.includes('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(raw));
  try {
    const parsed: unknown = JSON.parse(raw);
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  } catch {
    // grammY sends JSON; anything else is a multipart upload, which no recorded method needs read.
    return {};
  }
}

const USER_UPDATE_EVENTS = ['AddedUserMessage', 'AddedUserCommand', 'AddedUserCallbackQuery'] as const;

/**
 * Resolves when the emulator stores a user update (for any bot), when `ms` have passed, or when
 * the poller has gone away. Asking the emulator again only then, instead of every few
 * milliseconds, keeps an idle long poll from taking a core of the process it shares with the
 * control plane under test (the burst benchmark's profile: most of its CPU).
 */
function nextUserUpdate(server: TelegramServer, ms: number, res: ServerResponse): { wait: Promise<void>; cancel: () => void } {
  let cancel = () => {};
  const wait = new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      for (const event of USER_UPDATE_EVENTS) server.off(event, done);
      res.off('close', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    for (const event of USER_UPDATE_EVENTS) server.on(event, done);
    res.on('close', done);
    cancel = done;
  });
  return { wait, cancel };
}

async function post(url: string, body: unknown): Promise<unknown> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return response.json();
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function freePort(): Promise<number> {
  const probe: Server = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
