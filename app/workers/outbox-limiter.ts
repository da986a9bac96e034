import Bottleneck from 'bottleneck';

/**
 * Telegram's broadcast limits for one bot (core.telegram.org/bots/faq): about 30 messages a
 * second overall and one a second per chat. The defaults stay under them with room to spare.
 */
export interface TelegramLimits {
  /** Calls per second across all chats. */
  readonly perSecond: number;
  /** Least time between two calls to one chat. */
  readonly perChatMs: number;
}

export const TELEGRAM_LIMITS: TelegramLimits = { perSecond: 25, perChatMs: 1_000 };

/** Sending is paused after a 429: the call was not made. */
export class SendingPausedError extends Error {
  override readonly name = 'SendingPausedError';
  constructor(readonly untilMs: number) {
    super(`sending is paused until ${new Date(untilMs).toISOString()} (Telegram asked to retry later)`);
  }
}

/**
 * The outbox's Bot API calls, throttled with bottleneck: one limiter per chat (one call at a
 * time, `perChatMs` apart) chained to one for the whole bot (`1000 / perSecond` ms apart). After
 * a 429 Telegram wants no calls at all for `retry_after` seconds: `pause` makes every call that
 * comes out of the queue before then fail with SendingPausedError instead of reaching Telegram.
 * Limits hold within one process; several senders share Telegram's budget, so each should get
 * its part (`perSecond` divided by the number of processes).
 */
export class OutboxLimiter {
  private readonly all: Bottleneck;
  private readonly chats: Bottleneck.Group;
  private pausedUntilMs = 0;

  constructor(
    limits: TelegramLimits = TELEGRAM_LIMITS,
    private readonly clock: () => number = Date.now,
  ) {
    this.all = new Bottleneck({ minTime: Math.ceil(1000 / limits.perSecond) });
    this.chats = new Bottleneck.Group({ maxConcurrent: 1, minTime: limits.perChatMs });
    this.chats.on('created', (limiter) => {
      limiter.chain(this.all);
    });
  }

  /** Runs `call` for `chat` once both limits allow it, unless sending is paused by then. */
  schedule<T>(chat: number, call: () => Promise<T>): Promise<T> {
    return this.chats.key(String(chat)).schedule(() => {
      const until = this.pausedUntil();
      if (until !== null) return Promise.reject(new SendingPausedError(until));
      return call();
    });
  }

  /** No call before `untilMs` (a later pause wins over an earlier one). */
  pause(untilMs: number): void {
    this.pausedUntilMs = Math.max(this.pausedUntilMs, untilMs);
  }

  /** When sending may start again; null when it is not paused. */
  pausedUntil(): number | null {
    return this.pausedUntilMs > this.clock() ? this.pausedUntilMs : null;
  }
}
