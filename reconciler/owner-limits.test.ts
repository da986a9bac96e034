import { describe, expect, it } from 'vitest';
import { ownerLimiter } from './owner-limits.js';

/** Turns that end when the test says so, recording which are running. */
function turns() {
  const running = new Set<string>();
  let most = 0;
  const ends = new Map<string, () => void>();
  const turn = (name: string) => () =>
    new Promise<string>((resolve) => {
      running.add(name);
      most = Math.max(most, running.size);
      ends.set(name, () => {
        running.delete(name);
        resolve(name);
      });
    });
  const end = async (name: string) => {
    ends.get(name)?.();
    await settle();
  };
  return { running, turn, end, most: () => most };
}

const settle = () => new Promise((r) => setImmediate(r));

describe('ownerLimiter', () => {
  it('keeps to the global limit and to the per-host limit', async () => {
    const t = turns();
    const run = ownerLimiter(3, 2);
    const all = ['a', 'b', 'c'].flatMap((host) => [1, 2, 3].map((i) => run(host, t.turn(`${host}${i}`))));
    await settle();
    expect(t.running.size).toBe(3);
    while (t.running.size > 0) {
      const perHost = new Map<string, number>();
      for (const name of t.running) perHost.set(name[0]!, (perHost.get(name[0]!) ?? 0) + 1);
      expect(Math.max(...perHost.values())).toBeLessThanOrEqual(2);
      await t.end([...t.running][0]!);
    }
    expect((await Promise.all(all)).sort()).toEqual(['a1', 'a2', 'a3', 'b1', 'b2', 'b3', 'c1', 'c2', 'c3']);
    expect(t.most()).toBe(3);
  });

  it('lets an owner on an idle host run while owners queue for a busy one', async () => {
    const t = turns();
    // Two global slots, one per host; the first owners in line share host a.
    const run = ownerLimiter(2, 1);
    const done = [run('a', t.turn('a1')), run('a', t.turn('a2')), run('b', t.turn('b1'))];
    await settle();
    // a2 waits for host a without holding a global slot, so b1 has one.
    expect([...t.running].sort()).toEqual(['a1', 'b1']);
    await t.end('a1');
    expect([...t.running].sort()).toEqual(['a2', 'b1']);
    await t.end('a2');
    await t.end('b1');
    expect(await Promise.all(done)).toEqual(['a1', 'a2', 'b1']);
  });

  it('passes a turn’s failure to its caller and frees its slots', async () => {
    const run = ownerLimiter(1, 1);
    await expect(run('a', () => Promise.reject(new Error('step failed')))).rejects.toThrow('step failed');
    await expect(run('a', () => Promise.resolve('next'))).resolves.toBe('next');
  });
});
