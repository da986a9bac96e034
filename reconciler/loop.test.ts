import { describe, expect, it } from 'vitest';
import { silentLog } from '../fleet/log.js';
import { startLoop } from './loop.js';

const opts = (signal: AbortSignal, intervalMs = 10_000) => ({ intervalMs, pollMs: 10, retryMs: 20, signal, random: () => 0.5, log: silentLog });
const until = async (cond: () => boolean, ms = 2_000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('startLoop', () => {
  it('runs a pass at start, when main moves, and when kicked', async () => {
    const ac = new AbortController();
    let head = 'a';
    let passes = 0;
    const loop = startLoop({ head: () => Promise.resolve(head), pass: () => Promise.resolve((passes++, { requeueAfterMs: null })) }, opts(ac.signal));
    await until(() => passes === 1);
    head = 'b';
    await until(() => passes === 2);
    loop.kick();
    await until(() => passes === 3);
    await new Promise((r) => setTimeout(r, 100));
    expect(passes).toBe(3); // nothing else happened: the interval is 10 s
    ac.abort();
    await loop.done;
  });

  it('starts the next pass as soon as the current one ends when kicked or main moved during it, not a poll later', async () => {
    const ac = new AbortController();
    let head = 'a';
    const starts: number[] = [];
    let during: (() => void) | null = null;
    const pass = async () => {
      starts.push(Date.now());
      during?.();
      during = null;
      await new Promise((r) => setTimeout(r, 50));
      return { requeueAfterMs: null };
    };
    const loop = startLoop({ head: () => Promise.resolve(head), pass }, { ...opts(ac.signal), pollMs: 60_000 });
    await until(() => starts.length === 1);
    during = () => loop.kick();
    loop.kick();
    await until(() => starts.length === 3, 1_000);
    during = () => (head = 'b');
    loop.kick();
    await until(() => starts.length === 5, 1_000);
    ac.abort();
    await loop.done;
    expect(starts).toHaveLength(5);
  });

  it('comes back sooner when an owner asked to be requeued, and survives a failing pass', async () => {
    const ac = new AbortController();
    let passes = 0;
    const loop = startLoop(
      {
        head: () => Promise.resolve('a'),
        pass: () => {
          passes += 1;
          return passes === 2 ? Promise.reject(new Error('database restarting')) : Promise.resolve({ requeueAfterMs: 30 });
        },
      },
      opts(ac.signal),
    );
    await until(() => passes >= 4);
    ac.abort();
    await loop.done;
    expect(passes).toBeGreaterThanOrEqual(4);
  });

  it('never starts the next pass before an owner asked to be requeued, even at the earliest jitter (it may be a Retry-After)', async () => {
    const ac = new AbortController();
    const starts: number[] = [];
    const loop = startLoop(
      { head: () => Promise.resolve('a'), pass: () => (starts.push(Date.now()), Promise.resolve({ requeueAfterMs: 200 })) },
      { ...opts(ac.signal), random: () => 0 },
    );
    await until(() => starts.length >= 2);
    ac.abort();
    await loop.done;
    expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(200);
  });
});
