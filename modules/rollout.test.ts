import { describe, expect, it } from 'vitest';
import { type CanaryObservation, decideRollout, pickCanary, type RolloutInput, type RolloutRecord } from './rollout.js';

const T0 = new Date('2026-03-16T12:00:00.000Z');
const minutes = (n: number) => new Date(T0.getTime() + n * 60_000);

const rollout = (over: Partial<RolloutRecord> = {}): RolloutRecord => ({
  module: 'core',
  version: '1.1.0',
  state: 'canary',
  canary: ['a', 'b'],
  canaryPr: 7,
  restPr: null,
  healthySince: {},
  haltedReason: null,
  startedAt: T0.toISOString(),
  ...over,
});

const healthy = (slug: string): CanaryObservation => ({
  slug,
  gone: false,
  appliedVersion: '1.1.0',
  attemptedVersion: '1.1.0',
  ready: true,
  stalled: false,
  failures: 0,
  reason: null,
});

const input = (over: Partial<RolloutInput> = {}): RolloutInput => ({
  rollout: rollout(),
  canaryPr: 'merged',
  observations: [healthy('a'), healthy('b')],
  now: T0,
  soakMinutes: 30,
  ...over,
});

describe('decideRollout', () => {
  const cases: [string, Partial<RolloutInput>, ReturnType<typeof decideRollout>][] = [
    ['a finished rollout does nothing', { rollout: rollout({ state: 'completed' }) }, { kind: 'idle', reason: 'the rollout is completed' }],
    ['a halted rollout stays halted, even when the canary recovers', { rollout: rollout({ state: 'halted' }) }, { kind: 'idle', reason: 'the rollout is halted' }],
    ['waits for the canary PR to merge', { canaryPr: 'open' }, { kind: 'wait', reason: 'the canary PR #7 is not merged yet', healthySince: {} }],
    ['a canary PR closed unmerged stops the rollout', { canaryPr: 'closed' }, { kind: 'halt', reason: 'the canary PR #7 was closed without merging' }],
    [
      'first seen healthy: the soak starts now',
      {},
      {
        kind: 'wait',
        reason: 'a: healthy since 2026-03-16T12:00:00.000Z, 30 min of soak left; b: healthy since 2026-03-16T12:00:00.000Z, 30 min of soak left',
        healthySince: { a: T0.toISOString(), b: T0.toISOString() },
      },
    ],
    [
      'healthy for the whole soak: advance',
      { rollout: rollout({ healthySince: { a: T0.toISOString(), b: T0.toISOString() } }), now: minutes(30) },
      { kind: 'advance', healthySince: { a: T0.toISOString(), b: T0.toISOString() } },
    ],
    [
      'one canary still on the old version holds the rest back and keeps no soak time',
      { observations: [healthy('a'), { ...healthy('b'), appliedVersion: '1.0.0' }], rollout: rollout({ healthySince: { a: T0.toISOString(), b: T0.toISOString() } }), now: minutes(45) },
      { kind: 'wait', reason: 'b: not running core@1.1.0 healthily yet', healthySince: { a: T0.toISOString() } },
    ],
    [
      'a not-ready pass restarts the soak of that tenant',
      { observations: [healthy('a'), { ...healthy('b'), ready: false }], rollout: rollout({ healthySince: { a: T0.toISOString(), b: T0.toISOString() } }), now: minutes(10) },
      { kind: 'wait', reason: 'a: healthy since 2026-03-16T12:00:00.000Z, 20 min of soak left; b: not running core@1.1.0 healthily yet', healthySince: { a: T0.toISOString() } },
    ],
    [
      'a canary the reconciler never looked at is waited for',
      { observations: [healthy('a')], rollout: rollout({ healthySince: { a: T0.toISOString() } }), now: minutes(31) },
      { kind: 'wait', reason: 'b: not running core@1.1.0 healthily yet', healthySince: { a: T0.toISOString() } },
    ],
    [
      'a stalled canary on the new version halts, with its reason',
      { observations: [healthy('a'), { ...healthy('b'), ready: false, stalled: true, appliedVersion: '1.0.0', reason: 'HealthCheckFailed' }] },
      { kind: 'halt', reason: 'canary failed: b: HealthCheckFailed' },
    ],
    [
      'three failed passes on the new version halt',
      { observations: [{ ...healthy('a'), ready: false, failures: 3, appliedVersion: '1.0.0' }, healthy('b')] },
      { kind: 'halt', reason: 'canary failed: a: 3 failed passes' },
    ],
    [
      'failures on an older revision are not this release’s',
      { observations: [{ ...healthy('a'), ready: false, stalled: true, attemptedVersion: '1.0.0', appliedVersion: '1.0.0' }, healthy('b')] },
      { kind: 'wait', reason: 'a: not running core@1.1.0 healthily yet; b: healthy since 2026-03-16T12:00:00.000Z, 30 min of soak left', healthySince: { b: T0.toISOString() } },
    ],
    [
      'a canary tenant that left (deleted, module removed) does not hold the rollout up',
      { observations: [{ ...healthy('a'), gone: true, ready: false }, healthy('b')], rollout: rollout({ healthySince: { b: T0.toISOString() } }), now: minutes(30) },
      { kind: 'advance', healthySince: { b: T0.toISOString() } },
    ],
  ];
  it.each(cases)('%s', (_, over, expected) => {
    expect(decideRollout(input(over))).toEqual(expected);
  });
});

describe('pickCanary', () => {
  const eligible = ['t1', 't2', 't3', 't4', 't5', 't6', 't7', 't8', 't9', 't10'];

  it('takes the listed slugs that are eligible; none when unset, none eligible, or everyone', () => {
    expect(pickCanary(['t2', 'nope', 't1'], eligible, 'core@1.1.0')).toEqual(['t1', 't2']);
    expect(pickCanary(undefined, eligible, 'core@1.1.0')).toEqual([]);
    expect(pickCanary(['nope'], eligible, 'core@1.1.0')).toEqual([]);
    expect(pickCanary(['t1'], ['t1'], 'core@1.1.0')).toEqual([]);
    expect(pickCanary({ percent: 100 }, eligible, 'core@1.1.0')).toEqual([]);
  });

  it('takes a percentage, rounded up, the same tenants on every run, other tenants for other releases', () => {
    const a = pickCanary({ percent: 25 }, eligible, 'core@1.1.0');
    expect(a).toHaveLength(3);
    expect(pickCanary({ percent: 25 }, [...eligible].reverse(), 'core@1.1.0')).toEqual(a);
    expect(pickCanary({ percent: 1 }, eligible, 'core@1.1.0')).toHaveLength(1);
    const others = ['core@1.2.0', 'core@1.3.0', 'welcome@1.0.0'].map((r) => pickCanary({ percent: 25 }, eligible, r).join());
    expect(others.some((o) => o !== a.join())).toBe(true);
  });
});
