import { Api } from 'grammy';
import { createI18n, localeFor } from '../../bot/i18n.js';
import { PayloadError, RENDERERS, type DatabaseCredentials, type Rendered, type Renderer, type RenderExtras, type Translate } from '../../bot/notifications/index.js';
import type { Log } from '../../fleet/log.js';
import type { Secret } from '../../fleet/secret.js';
import { PgUserStore } from '../bot/users.js';
import type { Db } from '../db/db.js';
import { startWorkerLoop, type WorkerLoop } from './loop.js';
import { OutboxLimiter, SendingPausedError, type TelegramLimits } from './outbox-limiter.js';
import { type ClaimedRow, outboxSql as sql } from './outbox-sql.js';
import { classifyCall, editText, keyboard, redact, RenderedButtonError } from './outbox-telegram.js';

/**
 * The outbox sender (issue 5): turns queued rows (`outbox`, written by the reconciler, billing
 * and the bot) into Telegram messages, rendered by bot/notifications in the recipient's language.
 *
 * - Claims due rows oldest first with `FOR UPDATE SKIP LOCKED` and leases them, so processes run
 *   side by side; each claimed row is its recipient's oldest pending one, so one person's
 *   messages arrive in the order they were queued (outbox-sql.ts).
 * - Stays under Telegram's limits (outbox-limiter.ts). A 429 pauses all sending for its
 *   `retry_after` and puts the row back for then, without counting an attempt.
 * - A 403 (blocked, deactivated) marks the user blocked and skips the row; blocked users' rows
 *   are skipped at claim time from then on. A payload that does not fit its kind, or a request
 *   Telegram refuses (400), fails the row at once. Anything else is retried with exponential
 *   backoff, and fails the row after `maxAttempts`; `last_error` never holds the token.
 * - Topic messages (a deploy's progress) edit the one message kept in `progress_messages`; a
 *   message that is gone is replaced by a new one, recorded in its place.
 * - A tenant's database credentials go out once ever, as a second message after its
 *   deploy.running (`credentials_sent`); the password is derived while sending and is in no
 *   table, log line or error.
 *
 * Each row is sent once: it is marked sent right after Telegram accepted it. The one window
 * for a duplicate is a crash between Telegram's answer and that update: the lease runs out and
 * the row is sent again — as a new message for plain rows; for topic rows the retry is an edit to
 * the same text, which changes nothing (a topic is closed only after its closing row is marked). Credentials are claimed before they are sent, so that
 * window loses them rather than sending them twice (migrations/0004_outbox_delivery.sql).
 */

export interface Backoff {
  readonly baseMs: number;
  readonly maxMs: number;
}

export interface OutboxSettings {
  /** Rows claimed per round. */
  readonly batch: number;
  /** How long a claimed row is this sender's; one left longer (a crash) is taken again. */
  readonly leaseMs: number;
  /** Failed attempts before a row is given up on. */
  readonly maxAttempts: number;
  /** Wait after the n-th failure: base · 2^(n-1), capped, ±20% jitter. */
  readonly backoff: Backoff;
}

export const DEFAULT_OUTBOX_SETTINGS: OutboxSettings = {
  batch: 50,
  leaseMs: 2 * 60_000,
  maxAttempts: 8,
  backoff: { baseMs: 5_000, maxMs: 30 * 60_000 },
};

export interface OutboxSenderWiring {
  /** The control database. */
  readonly pool: Db;
  /** The buckfleet bot: TELEGRAM_BOT_TOKEN and TELEGRAM_API_ROOT. */
  readonly telegram: { readonly token: Secret; readonly apiRoot: string };
  /** app/bot/credentials.ts; null when this process cannot derive passwords (then none are sent). */
  readonly databaseCredentials: ((tenant: string) => Promise<DatabaseCredentials>) | null;
  readonly log: Log;
  readonly now?: () => Date;
  readonly random?: () => number;
  readonly settings?: Partial<OutboxSettings>;
  readonly limits?: TelegramLimits;
  /** Every kind bot/notifications renders, unless a test narrows it. */
  readonly renderers?: ReadonlyMap<string, Renderer>;
}

/** What a round needs; built once (`outboxSenderDeps`) and kept, since the limiter's state spans rounds. */
export interface OutboxSenderDeps {
  readonly pool: Db;
  readonly api: Api;
  readonly token: Secret;
  readonly limiter: OutboxLimiter;
  readonly i18n: { t(locale: string, key: string, variables?: Record<string, string | number>): string };
  readonly renderers: ReadonlyMap<string, Renderer>;
  readonly databaseCredentials: ((tenant: string) => Promise<DatabaseCredentials>) | null;
  readonly users: PgUserStore;
  readonly log: Log;
  readonly now: () => Date;
  readonly random: () => number;
  readonly settings: OutboxSettings;
}

export function outboxSenderDeps(w: OutboxSenderWiring): OutboxSenderDeps {
  const now = w.now ?? (() => new Date());
  return {
    pool: w.pool,
    api: new Api(w.telegram.token.reveal(), { apiRoot: w.telegram.apiRoot, timeoutSeconds: 30 }),
    token: w.telegram.token,
    limiter: new OutboxLimiter(w.limits, () => now().getTime()),
    i18n: createI18n(),
    renderers: w.renderers ?? RENDERERS,
    databaseCredentials: w.databaseCredentials,
    users: new PgUserStore(w.pool),
    log: w.log,
    now,
    random: w.random ?? Math.random,
    settings: { ...DEFAULT_OUTBOX_SETTINGS, ...w.settings },
  };
}

export interface OutboxRound {
  /** Rows this round took. */
  readonly claimed: number;
  readonly sent: number;
  /** Given up on because the recipient blocked the bot (at claim time, or told by a 403). */
  readonly skipped: number;
  readonly failed: number;
  /** Failed this time; tried again later. */
  readonly retrying: number;
  /** Put back untried: Telegram asked for a pause. */
  readonly deferred: number;
  /** Sending is paused (a 429) until this time; null when it is not. */
  readonly pausedUntil: Date | null;
}

type Outcome = 'sent' | 'skipped' | 'failed' | 'retrying' | 'deferred';

/** No row for this kind here: a newer process may know it, so it is retried, not failed at once. */
export class UnknownKindError extends Error {
  override readonly name = 'UnknownKindError';
}

/** One round: skip blocked recipients' rows, claim a batch, deliver each, record what happened. */
export async function sendDue(deps: OutboxSenderDeps): Promise<OutboxRound> {
  const now = deps.now();
  const paused = deps.limiter.pausedUntil();
  if (paused !== null) return { claimed: 0, sent: 0, skipped: 0, failed: 0, retrying: 0, deferred: 0, pausedUntil: new Date(paused) };
  const blocked = await deps.pool.query(sql.skipBlocked, [now]);
  const lease = new Date(now.getTime() + deps.settings.leaseMs);
  const rows = (await deps.pool.query<ClaimedRow>(sql.claim, [now, deps.settings.batch, lease])).rows;
  const settled = await Promise.allSettled(rows.map((row) => deliver(deps, row)));
  const counts: Record<Outcome, number> = { sent: 0, skipped: blocked.rowCount ?? 0, failed: 0, retrying: 0, deferred: 0 };
  for (const s of settled) if (s.status === 'fulfilled') counts[s.value] += 1;
  // A row whose outcome could not be recorded (the database went away) comes back when its
  // lease ends; the round reports the failure once every row has settled.
  const broken = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (broken !== undefined) throw broken.reason;
  const until = deps.limiter.pausedUntil();
  return { claimed: rows.length, ...counts, pausedUntil: until === null ? null : new Date(until) };
}

async function deliver(deps: OutboxSenderDeps, row: ClaimedRow): Promise<Outcome> {
  const chat = Number(row.telegram_user_id);
  const ctx = { outbox: Number(row.id), kind: row.kind, user: chat, attempt: row.attempts + 1 };
  try {
    const locale = localeFor(await deps.users.messageLanguage(chat));
    const t: Translate = (key, variables) => deps.i18n.t(locale, key, variables);
    const renderer = deps.renderers.get(row.kind);
    if (renderer === undefined) throw new UnknownKindError(`no renderer for outbox kind ${row.kind}`);
    const rendered = await renderer(row.payload, t, extrasFor(deps));
    const messageId = row.message_id === null ? await sendMain(deps, chat, rendered) : Number(row.message_id);
    if (rendered.credentials !== undefined) {
      // Recorded first: if the credentials fail, the retry sends only them.
      if (row.message_id === null) await deps.pool.query(sql.recordMessage, [row.id, messageId]);
      await sendCredentials(deps, row, chat, rendered.credentials.tenant, rendered.credentials.text);
    }
    await deps.pool.query(sql.markSent, [row.id, messageId, deps.now()]);
    // Closed only once the row is done: until then a retry finds the message and edits it.
    if (rendered.topic !== undefined && rendered.closesTopic === true) await deps.pool.query(sql.closeTopic, [chat, rendered.topic]);
    deps.log.info(ctx, 'outbox message sent');
    return 'sent';
  } catch (error) {
    return recordFailure(deps, row, chat, ctx, error);
  }
}

/** The extras a renderer may ask for, looked up while sending. */
function extrasFor(deps: OutboxSenderDeps): RenderExtras {
  const resolve = deps.databaseCredentials;
  return {
    // Sent (or claimed) before: not derived again, and the renderer adds no second message.
    databaseCredentials:
      resolve === null
        ? null
        : async (tenant) => {
            if ((await deps.pool.query(sql.credentialsKnown, [tenant])).rows.length > 0) return null;
            try {
              return await resolve(tenant);
            } catch (error) {
              // The message they ride on (the bot is running) matters more: it goes without them,
              // and the next deploy.running of the tenant tries again. The resolver's errors name
              // no password (reconciler/resources/tenant-db/errors.ts).
              deps.log.warn({ tenant, err: redact(error instanceof Error ? `${error.name}: ${error.message}` : String(error), deps.token) }, 'database credentials could not be derived; sent later');
              return null;
            }
          },
    botUsername: async (tenant) => {
      const row = (await deps.pool.query<{ username: string | null }>(sql.botUsername, [tenant])).rows[0];
      return row?.username ?? null;
    },
  };
}

/** Sends the row's message, or edits its topic's message; the Telegram message id. */
async function sendMain(deps: OutboxSenderDeps, chat: number, rendered: Rendered): Promise<number> {
  const markup = keyboard(rendered.buttons);
  const topic = rendered.topic;
  let messageId: number | null = null;
  if (topic !== undefined) {
    const kept = (await deps.pool.query<{ message_id: string }>(sql.topicMessage, [chat, topic])).rows[0];
    if (kept !== undefined) {
      const id = Number(kept.message_id);
      if (await deps.limiter.schedule(chat, () => editText(deps.api, chat, id, rendered.text, markup))) messageId = id;
    }
  }
  if (messageId === null) {
    const sent = await deps.limiter.schedule(chat, () => deps.api.sendMessage(chat, rendered.text, markup === undefined ? {} : { reply_markup: markup }));
    messageId = sent.message_id;
  }
  if (topic !== undefined) await deps.pool.query(sql.putTopicMessage, [chat, topic, messageId, deps.now()]);
  return messageId;
}

/**
 * The credentials message, once per tenant: claimed before the call, so two senders (or two
 * deploy.running rows) never both send it; released when Telegram refused it, so a retry can.
 * The text is passed to Telegram and nowhere else.
 */
async function sendCredentials(deps: OutboxSenderDeps, row: ClaimedRow, chat: number, tenant: string, text: string): Promise<void> {
  const claimed = await deps.pool.query(sql.claimCredentials, [tenant, chat, row.id, deps.now()]);
  if (claimed.rows.length === 0) return;
  let messageId: number;
  try {
    messageId = (await deps.limiter.schedule(chat, () => deps.api.sendMessage(chat, text))).message_id;
  } catch (error) {
    await deps.pool.query(sql.releaseCredentials, [tenant, row.id]);
    throw error;
  }
  await deps.pool.query(sql.credentialsSent, [tenant, deps.now(), messageId]);
  deps.log.info({ outbox: Number(row.id), tenant, user: chat }, 'database credentials sent (once)');
}

async function recordFailure(deps: OutboxSenderDeps, row: ClaimedRow, chat: number, ctx: Record<string, unknown>, error: unknown): Promise<Outcome> {
  const now = deps.now();
  if (error instanceof SendingPausedError) {
    await deps.pool.query(sql.defer, [row.id, new Date(error.untilMs), null]);
    return 'deferred';
  }
  if (error instanceof PayloadError || error instanceof RenderedButtonError) {
    const reason = redact(`${error.name}: ${error.message}`, deps.token);
    await deps.pool.query(sql.finish, [row.id, 'failed', reason, now]);
    deps.log.warn({ ...ctx, err: reason }, 'outbox message failed: it cannot be rendered');
    return 'failed';
  }
  const call = classifyCall(error, deps.token);
  if (call?.kind === 'rate_limited') {
    const until = now.getTime() + call.retryAfterMs;
    deps.limiter.pause(until);
    await deps.pool.query(sql.defer, [row.id, new Date(until), call.reason]);
    deps.log.warn({ ...ctx, retryAfterMs: call.retryAfterMs }, 'telegram rate limit: sending paused');
    return 'deferred';
  }
  if (call?.kind === 'blocked') {
    await deps.users.markBlocked(chat);
    await deps.pool.query(sql.finish, [row.id, 'skipped', call.reason, now]);
    deps.log.info({ ...ctx, err: call.reason }, 'outbox recipient has blocked the bot: skipped');
    return 'skipped';
  }
  if (call?.kind === 'refused') {
    await deps.pool.query(sql.finish, [row.id, 'failed', call.reason, now]);
    deps.log.warn({ ...ctx, err: call.reason }, 'outbox message failed: telegram refused it');
    return 'failed';
  }
  const reason = call?.reason ?? redact(error instanceof Error ? `${error.name}: ${error.message}` : String(error), deps.token);
  const attempts = row.attempts + 1;
  if (attempts >= deps.settings.maxAttempts) {
    await deps.pool.query(sql.exhausted, [row.id, reason, now]);
    deps.log.warn({ ...ctx, err: reason }, 'outbox message failed: out of attempts');
    return 'failed';
  }
  const waitMs = retryDelay(deps.settings.backoff, attempts, deps.random);
  await deps.pool.query(sql.retry, [row.id, reason, new Date(now.getTime() + waitMs)]);
  deps.log.warn({ ...ctx, err: reason, retryInMs: waitMs }, 'outbox message failed; will retry');
  return 'retrying';
}

function retryDelay({ baseMs, maxMs }: Backoff, attempt: number, random: () => number): number {
  return Math.round(Math.min(maxMs, baseMs * 2 ** Math.min(attempt - 1, 30)) * (0.8 + 0.4 * random()));
}

export interface OutboxSenderOptions {
  readonly signal: AbortSignal;
  /** Poll interval when idle; writers in this process may `kick()` it. */
  readonly intervalMs?: number;
  /** Called after each round with what it did (tests wait on it). */
  readonly onRound?: (round: OutboxRound) => void;
}

/** `sendDue` in a loop until `signal` aborts; the round in progress is finished first. */
export function startOutboxSender(deps: OutboxSenderDeps, opts: OutboxSenderOptions): WorkerLoop {
  return startWorkerLoop({
    name: 'outbox-sender',
    intervalMs: opts.intervalMs ?? 2_000,
    retryMs: 10_000,
    signal: opts.signal,
    log: deps.log,
    random: deps.random,
    round: async () => {
      const round = await sendDue(deps);
      opts.onRound?.(round);
      // A full batch may have left more due; while paused, the interval is the wait.
      return round.pausedUntil === null && round.claimed === deps.settings.batch;
    },
  });
}
