import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startTelegramEmulator, type TelegramEmulator } from './emulator.js';
import { TestUser } from './user.js';

const OWN = { token: '7000000011:emulator-front-test', id: 7_000_000_011, username: 'buckfleet_front_bot' };

interface Updates {
  ok: boolean;
  result: { update_id: number; message?: { text?: string } }[];
}

describe('the emulator front: getUpdates long polling', () => {
  let e: TelegramEmulator;
  let asked: number;

  beforeEach(async () => {
    e = await startTelegramEmulator(OWN);
    // Counts the emulator's own getUpdates answers: each upstream ask the front makes is one.
    const real = e.server.getUpdates.bind(e.server);
    asked = 0;
    e.server.getUpdates = (token: string) => {
      asked++;
      return real(token);
    };
  });
  afterEach(async () => {
    await e.close();
  });

  const poll = async (timeoutS: number, signal?: AbortSignal): Promise<Updates> => {
    const response = await fetch(`${e.apiRoot}/bot${OWN.token}/getUpdates`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ timeout: timeoutS }),
      ...(signal ? { signal } : {}),
    });
    return (await response.json()) as Updates;
  };

  it('answers a waiting poll with the update stored while it waited, long before its timeout', async () => {
    const started = Date.now();
    const answer = poll(20);
    await vi.waitFor(() => expect(asked).toBe(1));
    await new TestUser(e, OWN.token, 42).send('hello');
    const got = await answer;
    expect(got.ok).toBe(true);
    expect(got.result.map((u) => u.message?.text)).toEqual(['hello']);
    // Woken by the update: a front that missed it would answer only after the 20 s timeout.
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('asks the emulator again only when it stores a user update, not every few milliseconds', async () => {
    const got = await poll(1);
    expect(got).toEqual({ ok: true, result: [] });
    // Once on arrival, once when the timeout ran out (the old front asked every 25 ms: ~40 times).
    expect(asked).toBe(2);
  });

  it('stops waiting, and stops listening, when the poller goes away', async () => {
    const before = e.server.listenerCount('AddedUserMessage');
    const abort = new AbortController();
    const answer = poll(20, abort.signal).catch((error: unknown) => error);
    await vi.waitFor(() => expect(e.server.listenerCount('AddedUserMessage')).toBe(before + 1));
    abort.abort();
    expect(await answer).toBeInstanceOf(Error);
    await vi.waitFor(() => expect(e.server.listenerCount('AddedUserMessage')).toBe(before));
    expect(asked).toBe(1);
  });
});
