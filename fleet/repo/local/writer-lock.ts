import { Mutex } from 'async-mutex';
import { lock } from 'proper-lockfile';
import type { Log } from '../../log.js';

/**
 * Lets writers of one local fleet repo take turns: an in-process mutex, then a lock file shared
 * with other processes. Taking turns is only for throughput — without it, N writers racing for
 * main rebuild their change O(N²) times in all. Correctness never depends on it: every ref move
 * is still a compare-and-swap. A lock left by a crashed process goes stale after `STALE_MS` and is
 * taken over, so a crash never blocks the fleet.
 */
export class WriterLock {
  private readonly mutex = new Mutex();

  constructor(
    private readonly lockPath: string,
    private readonly log?: Log,
  ) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    return this.mutex.runExclusive(async () => {
      const release = await lock(this.lockPath, {
        realpath: false,
        stale: STALE_MS,
        update: STALE_MS / 2,
        retries: { retries: 2_000, minTimeout: 5, maxTimeout: 100, factor: 1.5, randomize: true },
        onCompromised: (error) => this.log?.warn({ lock: this.lockPath, err: error.message }, 'writer lock lost; compare-and-swap still guards main'),
      });
      try {
        return await fn();
      } finally {
        await release();
      }
    });
  }
}

const STALE_MS = 10_000;
