import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempBareRepo, type TempBareRepo } from '../../../test/git.js';
import { type GitRunner, gitRunner } from '../git/runner.js';
import { MAIN } from '../types.js';
import { fastForward } from './merge.js';

let temp: TempBareRepo;
let calls: string[];
let git: GitRunner;

beforeEach(async () => {
  temp = await makeTempBareRepo({ 'a.txt': 'a' });
  calls = [];
  const real = gitRunner(temp.gitDir);
  git = {
    run: (args, o) => (calls.push(args[0] ?? ''), real.run(args, o)),
    probe: (args, o) => (calls.push(args[0] ?? ''), real.probe(args, o)),
    stream: (args, o) => (calls.push(args[0] ?? ''), real.stream(args, o)),
  };
});
afterEach(() => temp.cleanup());

const child = async (branch: string, parent: string, content: string) =>
  temp.repo.commit({ branch, parent, edits: [{ path: 'b.txt', content }], message: branch, expect: 'absent' });

describe('fastForward', () => {
  it('moves main to a commit that contains it, in two git processes', async () => {
    const main = (await temp.repo.head(MAIN))!;
    const head = await child('bf/one', main, 'one');
    expect(await fastForward(git, MAIN, head)).toBe('done');
    expect(await temp.repo.head(MAIN)).toBe(head);
    expect(calls).toEqual(['merge-base', 'update-ref']);
  });

  it('answers not_ancestor, and leaves main alone, when main moved past the commit', async () => {
    const main = (await temp.repo.head(MAIN))!;
    const head = await child('bf/late', main, 'late');
    const other = await child('bf/first', main, 'first');
    expect(await fastForward(git, MAIN, other)).toBe('done');
    expect(await fastForward(git, MAIN, head)).toBe('not_ancestor');
    expect(await temp.repo.head(MAIN)).toBe(other);
  });

  it('is done at once when main is already there, and names a missing branch', async () => {
    const main = (await temp.repo.head(MAIN))!;
    expect(await fastForward(git, MAIN, main)).toBe('done');
    expect(await temp.repo.head(MAIN)).toBe(main);
    await expect(fastForward(git, 'nope', main)).rejects.toThrow(/branch nope does not exist/);
  });
});
