/**
 * Telegram's broadcast limits for one bot (core.telegram.org/bots/faq): about 30 messages a
 * second overall and one a second per chat. The defaults stay under them with room to spare.
 */
export interface TelegramLimits {
  /** Calls per second across all chats. */
  readonly perSecond: number;
  /** Least time between the starts of two calls to one chat. */
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

/** Expired per-chat entries are dropped every so many calls, so a broadcast leaves no map behind. */
const PRUNE_EVERY = 1_000;

/**
 * Paces the outbox's Bot API calls: each call gets a start time at least `1000 / perSecond` ms
 * from every other call's and `perChatMs` from the previous call to its chat, the earliest such
 * time, and waits for it; a call to a chat that must wait holds back no other chat. The spacing
 * is between the calls' real starts. (Not bottleneck: its chained limiters count a chat's
 * spacing from when a call joined the overall queue, so after a wait there two calls to one chat
 * can start a few ms apart.)
 *
 * After a 429 Telegram wants no calls at all for `retry_after` seconds: `pause` makes every call
 * whose time comes before then fail with SendingPausedError instead of reaching Telegram.
 * Limits hold within one process; several senders share Telegram's budget, so each should get
 * its part (`perSecond` divided by the number of processes).
 */
export class OutboxLimiter {
  private readonly gapMs: number;
  /** Reserved start times of calls, ascending, pairwise at least gapMs apart. */
  private reserved: number[] = [];
  private readonly chatNext = new Map<number, number>();
  /** When the last call, and the last call to each chat, really started. */
  private lastStart = -Infinity;
  private readonly chatLast = new Map<number, number>();
  private scheduled = 0;
  private pausedUntilMs = 0;

  constructor(
    private readonly limits: TelegramLimits = TELEGRAM_LIMITS,
    /** The clock the pause is read against (the sender's); pacing uses real time. */
    private readonly clock: () => number = Date.now,
  ) {
    this.gapMs = Math.ceil(1000 / limits.perSecond);
  }

  /** Runs `call` for `chat` at the earliest time both limits allow, unless sending is paused by then. */
  async schedule<T>(chat: number, call: () => Promise<T>): Promise<T> {
    const now = Date.now();
    const start = this.reserve(Math.max(now, this.chatNext.get(chat) ?? 0), now);
    this.chatNext.set(chat, start + this.limits.perChatMs);
    if (++this.scheduled % PRUNE_EVERY === 0) this.prune(now);
    if (start > now) await sleep(start - now);
    // A timer fires late when the event loop is busy: a call woken late would start too close to
    // the next one, which was planned from this one's reserved time. So the spacing is checked
    // again against the real starts before going, and the starts recorded.
    for (;;) {
      const at = Date.now();
      const wait = Math.max(this.lastStart + this.gapMs, (this.chatLast.get(chat) ?? -Infinity) + this.limits.perChatMs) - at;
      if (wait <= 0) {
        this.lastStart = at;
        this.chatLast.set(chat, at);
        this.chatNext.set(chat, Math.max(this.chatNext.get(chat) ?? 0, at + this.limits.perChatMs));
        break;
      }
      await sleep(wait);
    }
    const until = this.pausedUntil();
    if (until !== null) throw new SendingPausedError(until);
    return call();
  }

  /** No call before `untilMs` (a later pause wins over an earlier one). */
  pause(untilMs: number): void {
    this.pausedUntilMs = Math.max(this.pausedUntilMs, untilMs);
  }

  /** When sending may start again; null when it is not paused. */
  pausedUntil(): number | null {
    return this.pausedUntilMs > this.clock() ? this.pausedUntilMs : null;
  }

  /** The earliest time at or after `earliest` that is gapMs clear of every reserved one; reserved. */
  private reserve(earliest: number, now: number): number {
    this.reserved = this.reserved.filter((t) => t + this.gapMs > now);
    let candidate = earliest;
    let at = 0;
    for (; at < this.reserved.length; at += 1) {
      const taken = this.reserved[at]!;
      if (taken + this.gapMs <= candidate) continue;
      if (taken >= candidate + this.gapMs) break;
      candidate = taken + this.gapMs;
    }
    this.reserved.splice(at, 0, candidate);
    return candidate;
  }

  private prune(now: number): void {
    for (const [chat, next] of this.chatNext) if (next <= now) this.chatNext.delete(chat);
    for (const [chat, last] of this.chatLast) if (last + this.limits.perChatMs <= now) this.chatLast.delete(chat);
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
