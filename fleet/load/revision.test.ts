import { afterEach, describe, expect, it } from 'vitest';
import { makeTempBareRepo, type TempBareRepo } from '../../test/git.js';
import { validFleetFiles } from '../../test/fleet-fixtures.js';
import { loadRevision } from './revision.js';

let temp: TempBareRepo | undefined;
afterEach(async () => {
  await temp?.cleanup();
  temp = undefined;
});

describe('loadRevision', () => {
  it('loads through the cache of a repo that can list trees, and in full through one that cannot', async () => {
    temp = await makeTempBareRepo(Object.fromEntries(validFleetFiles()));
    const repo = temp.repo;
    const head = (await repo.head('main'))!;
    const first = await loadRevision(repo, head);
    expect(first.ok).toBe(true);
    // The same commit again: the load the cache kept, not a new one.
    expect(await loadRevision(repo, head)).toBe(first);

    // A repo that can only read whole snapshots (the GitHub mirror today): a full load each time, same fleet.
    let reads = 0;
    const plain = { read: (commit: string) => (reads++, repo.read(commit)) };
    const full = await loadRevision(plain, head);
    expect(await loadRevision(plain, head)).not.toBe(full);
    expect(reads).toBe(2);
    expect(full).toEqual(first);
  });
});
