import { describe, expect, it } from 'vitest';
import { OutboxLimiter, SendingPausedError } from './outbox-limiter.js';

/** Timers never fire early, but Date.now() is whole milliseconds: allow one either side. */
const SLACK = 2;

describe('OutboxLimiter', () => {
  it('spaces every call and every chat’s calls, measured where the calls start; a chat that waits holds no other chat back', async () => {
    const limiter = new OutboxLimiter({ perSecond: 20, perChatMs: 300 });
    const starts: { chat: string; at: number }[] = [];
    const call = (chat: string) => limiter.schedule(chat.charCodeAt(0), () => Promise.resolve(starts.push({ chat, at: Date.now() })));
    await Promise.all(['A', 'A', 'B', 'C', 'A', 'B'].map(call));

    expect(starts.map((s) => s.chat)).toEqual(['A', 'B', 'C', 'A', 'B', 'A']);
    const gaps = (list: { at: number }[]) => list.slice(1).map((s, i) => s.at - list[i]!.at);
    for (const gap of gaps(starts)) expect(gap).toBeGreaterThanOrEqual(50 - SLACK);
    for (const chat of ['A', 'B']) for (const gap of gaps(starts.filter((s) => s.chat === chat))) expect(gap).toBeGreaterThanOrEqual(300 - SLACK);
  });

  it('after a pause, a call whose time comes before its end is not made', async () => {
    let clock = 1_000_000;
    const limiter = new OutboxLimiter({ perSecond: 1000, perChatMs: 1 }, () => clock);
    let made = 0;
    limiter.pause(clock + 5_000);
    expect(limiter.pausedUntil()).toBe(1_005_000);
    await expect(limiter.schedule(1, () => Promise.resolve((made += 1)))).rejects.toBeInstanceOf(SendingPausedError);
    expect(made).toBe(0);
    limiter.pause(clock + 1_000);
    expect(limiter.pausedUntil()).toBe(1_005_000);
    clock += 5_000;
    expect(limiter.pausedUntil()).toBeNull();
    await expect(limiter.schedule(1, () => Promise.resolve((made += 1)))).resolves.toBe(1);
  });
});
