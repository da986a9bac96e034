import { describe, expect, it } from 'vitest';
import { StalledError, TransientError, WaitingError } from './errors.js';
import { computeResult } from './result.js';

const backoff = { baseMs: 1_000, maxMs: 60_000 };
const mid = () => 0.5; // jitter factor exactly 1

describe('computeResult', () => {
  it.each([
    ['done', null, 0, 0, { ready: true, reconciling: false, stalled: false, requeue: null, degraded: false, reason: 'Succeeded' }],
    ['progressing', null, 3, 0, { ready: false, reconciling: true, stalled: false, requeue: 1_000, degraded: false, reason: 'Progressing' }],
    ['stalled', new StalledError('BadImage', 'image not found'), 1, 0, { ready: false, reconciling: false, stalled: true, requeue: null, degraded: true, reason: 'BadImage' }],
    ['waiting', new WaitingError('Booting', 'droplet booting', 5_000), 1, 0, { ready: false, reconciling: true, stalled: false, requeue: 5_500, degraded: false, reason: 'Booting' }],
    ['first transient', new TransientError('Unreachable', 'ssh timed out'), 1, 0, { ready: false, reconciling: true, stalled: false, requeue: 1_000, degraded: false, reason: 'Unreachable' }],
    ['third transient', new TransientError('Unreachable', 'ssh timed out'), 1, 3, { ready: false, reconciling: true, stalled: false, requeue: 8_000, degraded: true, reason: 'Unreachable' }],
    ['many transients', new TransientError('Unreachable', 'ssh timed out'), 1, 30, { ready: false, reconciling: true, stalled: false, requeue: 60_000, degraded: true, reason: 'Unreachable' }],
  ] as const)('%s', (_, error, remaining, failures, want) => {
    const r = computeResult({ error, remaining, failures }, backoff, mid);
    expect({
      ready: r.conditions.Ready.status,
      reconciling: r.conditions.Reconciling.status,
      stalled: r.conditions.Stalled.status,
      requeue: r.requeueAfterMs,
      degraded: r.degraded,
      reason: r.conditions.Ready.reason,
    }).toEqual(want);
  });

  it('jitters requeues within ±20%', () => {
    const low = computeResult({ error: null, remaining: 1, failures: 0 }, backoff, () => 0).requeueAfterMs;
    const high = computeResult({ error: null, remaining: 1, failures: 0 }, backoff, () => 1).requeueAfterMs;
    expect([low, high]).toEqual([800, 1_200]);
  });

  it('never requeues a Waiting owner sooner than it was asked to wait (a Retry-After), only up to 20% later', () => {
    const limited = new WaitingError('DigitalOceanRateLimited', 'rate limited', 2_000);
    const low = computeResult({ error: limited, remaining: 1, failures: 0 }, backoff, () => 0).requeueAfterMs;
    const high = computeResult({ error: limited, remaining: 1, failures: 0 }, backoff, () => 1).requeueAfterMs;
    expect([low, high]).toEqual([2_000, 2_400]);
  });
});
