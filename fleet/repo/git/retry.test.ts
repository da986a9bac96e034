import { describe, expect, it, vi } from 'vitest';
import { GitError, RefMovedError, TransientGitError } from '../errors.js';
import { backoffMs, retryingRunner, withRetry } from './retry.js';
import type { GitRunner } from './runner.js';

const transient = () => new TransientGitError('git update-ref failed: lock busy', { op: 'update-ref' });

describe('backoffMs', () => {
  const policy = { baseMs: 100, maxMs: 1_000 };
  // retry, random → wait. With random just under 1 the wait is the cap: 100 · 2^retry, at most 1000.
  const cases: [number, number, number][] = [
    [0, 0.999_999, 99],
    [1, 0.999_999, 199],
    [2, 0.999_999, 399],
    [3, 0.999_999, 799],
    [4, 0.999_999, 999],
    [10, 0.999_999, 999],
    [2_000, 0.999_999, 999], // 2 ** 2000 is Infinity; the cap still holds
    [0, 0.5, 50],
    [1, 0.5, 100],
    [2, 0.5, 200],
    [3, 0.5, 400],
    [5, 0.5, 500],
    [3, 0, 0],
  ];
  it.each(cases)('retry %i with random %f waits %i ms', (retry, random, expected) => {
    expect(backoffMs(retry, policy, () => random)).toBe(expected);
  });

  it('grows by powers of two, not by XOR (Renovate gitRetry: 2 ^ (n * 3))', () => {
    const caps = [0, 1, 2, 3, 4, 5].map((n) => backoffMs(n, { baseMs: 1, maxMs: 1e9 }, () => 0.999_999_9) + 1);
    expect(caps).toEqual([1, 2, 4, 8, 16, 32]);
  });
});

describe('withRetry', () => {
  const options = (sleeps: number[]) => ({
    attempts: 4,
    baseMs: 10,
    maxMs: 1_000,
    random: () => 0.5,
    sleep: (ms: number) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
  });

  it('retries TransientGitError with growing waits and returns the first success', async () => {
    const sleeps: number[] = [];
    let calls = 0;
    const result = await withRetry((attempt) => {
      calls++;
      return attempt < 3 ? Promise.reject(transient()) : Promise.resolve('ok');
    }, options(sleeps));
    expect(result).toBe('ok');
    expect(calls).toBe(4);
    expect(sleeps).toEqual([5, 10, 20]);
  });

  it('rethrows the last transient error after the last attempt', async () => {
    const sleeps: number[] = [];
    const fn = vi.fn(() => Promise.reject(transient()));
    await expect(withRetry(fn, options(sleeps))).rejects.toBeInstanceOf(TransientGitError);
    expect(fn).toHaveBeenCalledTimes(4);
    expect(sleeps).toHaveLength(3);
  });

  it.each([
    ['GitError', new GitError('bad object', { op: 'cat-file' })],
    ['RefMovedError', new RefMovedError('moved', { op: 'update-ref' })],
    ['a plain Error', new Error('boom')],
  ])('rethrows %s at once', async (_name, error) => {
    const sleeps: number[] = [];
    const fn = vi.fn(() => Promise.reject(error));
    await expect(withRetry(fn, options(sleeps))).rejects.toBe(error);
    expect(fn).toHaveBeenCalledTimes(1);
    expect(sleeps).toEqual([]);
  });

  it('retries what the caller marks retryable', async () => {
    const sleeps: number[] = [];
    const busy = new Error('EBUSY');
    let calls = 0;
    const result = await withRetry(
      () => {
        calls++;
        return calls === 1 ? Promise.reject(busy) : Promise.resolve(calls);
      },
      { ...options(sleeps), retryable: (e) => e === busy },
    );
    expect(result).toBe(2);
    expect(sleeps).toEqual([5]);
  });

  it('treats attempts below 1 as one attempt', async () => {
    const fn = vi.fn(() => Promise.reject(transient()));
    await expect(withRetry(fn, { attempts: 0, baseMs: 1, maxMs: 1, sleep: () => Promise.resolve() })).rejects.toBeInstanceOf(TransientGitError);
    expect(fn).toHaveBeenCalledTimes(1);
  });
});

describe('retryingRunner', () => {
  it('retries each run and probe on lock contention, never a stream', async () => {
    let runs = 0;
    let probes = 0;
    let streams = 0;
    const flaky: GitRunner = {
      run: () => (++runs < 3 ? Promise.reject(transient()) : Promise.resolve(Buffer.from('abc'))),
      probe: () => (++probes < 2 ? Promise.reject(transient()) : Promise.resolve({ ok: false, stdout: Buffer.alloc(0) })),
      // Fails before its first chunk.
      stream: () => ({
        [Symbol.asyncIterator]: () => ({
          next: () => {
            streams++;
            return Promise.reject(transient());
          },
        }),
      }),
    };
    const git = retryingRunner(flaky, { attempts: 5, baseMs: 1, maxMs: 1, sleep: () => Promise.resolve() });
    expect((await git.run(['x'])).toString()).toBe('abc');
    expect((await git.probe(['y'])).ok).toBe(false);
    const drain = async () => {
      for await (const chunk of git.stream(['z'])) expect(chunk).toBeUndefined();
    };
    await expect(drain()).rejects.toBeInstanceOf(TransientGitError);
    expect([runs, probes, streams]).toEqual([3, 2, 1]);
  });
});
