import { describe, expect, it } from 'vitest';
import { silentLog } from '../../fleet/log.js';
import { startWorkerLoop } from './loop.js';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('startWorkerLoop', () => {
  it('runs again at once while a round says there is more, then sleeps until kicked', async () => {
    const stop = new AbortController();
    const rounds: number[] = [];
    let more = 3;
    const loop = startWorkerLoop({
      name: 'test',
      intervalMs: 60_000,
      retryMs: 60_000,
      signal: stop.signal,
      log: silentLog,
      random: () => 0.5,
      round: () => {
        rounds.push(Date.now());
        more -= 1;
        return Promise.resolve(more > 0);
      },
    });
    await tick(50);
    expect(rounds).toHaveLength(3);
    loop.kick();
    await tick(50);
    expect(rounds).toHaveLength(4);
    stop.abort();
    await loop.done;
  });

  it('retries a failed round after retryMs, and finishes the round in progress on stop', async () => {
    const stop = new AbortController();
    const warnings: object[] = [];
    let calls = 0;
    let finished = false;
    const loop = startWorkerLoop({
      name: 'test',
      intervalMs: 60_000,
      retryMs: 20,
      signal: stop.signal,
      log: { info: () => undefined, warn: (fields) => warnings.push(fields) },
      random: () => 0.5,
      round: async () => {
        calls += 1;
        if (calls === 1) throw new Error('database down');
        await tick(30);
        finished = true;
        return false;
      },
    });
    await tick(35);
    expect(warnings).toEqual([{ worker: 'test', err: 'database down', retryInMs: 20 }]);
    stop.abort();
    await loop.done;
    expect(calls).toBe(2);
    expect(finished).toBe(true);
  });
});
