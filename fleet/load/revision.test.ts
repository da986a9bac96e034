import { afterEach, describe, expect, it } from 'vitest';
import { makeTempBareRepo, type TempBareRepo } from '../../test/git.js';
import { validFleetFiles } from '../../test/fleet-fixtures.js';
import { applyEdits } from '../edits.js';
import type { FileEdit } from '../repo/types.js';
import { loadFleet } from './index.js';
import { gitBlobSha, loadEdited, loadRevision, textsAt } from './revision.js';

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

describe('loadEdited', () => {
  const cases: [string, FileEdit[]][] = [
    ['a reformatted tenant (same manifest)', [{ path: 'tenants/alpha-shop/tenant.yaml', content: null }]],
    ['a removed billing file', [{ path: 'tenants/bravo-news/billing.yaml', content: null }]],
    ['a new file that is not YAML', [{ path: 'tenants/zulu-bad/tenant.yaml', content: 'slug: [unclosed\n' }]],
    ['a new host', [{ path: 'hosts/shared-9.yaml', content: 'name: shared-9\nregion: fra1\nsize: s-2vcpu-4gb\ncapacity: 10\n' }]],
  ];

  it.each(cases)('judges %s as a full load of the edited tree would', async (_name, edits) => {
    temp = await makeTempBareRepo(Object.fromEntries(validFleetFiles()));
    const repo = temp.repo;
    const head = (await repo.head('main'))!;
    const snapshot = await repo.read(head);
    // The reformatting case: the tenant's own text with a comment added.
    const resolved = edits.map((e) => (e.content === null && e.path.endsWith('tenant.yaml') ? { ...e, content: `# kept by hand\n${snapshot.files.get(e.path) ?? ''}` } : e));
    await loadRevision(repo, head); // the cache holds main, as in a running process
    const expected = loadFleet(applyEdits(snapshot, resolved));
    expect(await loadEdited(repo, head, resolved)).toEqual(expected);
    // And through a repo that cannot list trees (read whole snapshots only).
    expect(await loadEdited({ read: (c: string) => repo.read(c) }, head, resolved)).toEqual(expected);
    // main itself is as it was.
    expect(await loadRevision(repo, head)).toEqual(loadFleet(snapshot));
  });

  it('names an edited file by the blob git stores for it, so the pass after the commit finds it validated', async () => {
    temp = await makeTempBareRepo(Object.fromEntries(validFleetFiles()));
    const repo = temp.repo;
    const head = (await repo.head('main'))!;
    const content = 'name: shared-9\nregion: fra1\nsize: s-2vcpu-4gb\ncapacity: 10\nünïcode: "✓"\n';
    const commit = await repo.commit({ branch: 'main', parent: head, edits: [{ path: 'hosts/shared-9.yaml', content }], message: 'add a host\n', expect: { at: head } });
    const blob = (await repo.listTree(commit)).blobs.find((b) => b.path === 'hosts/shared-9.yaml');
    expect(blob?.sha).toBe(gitBlobSha(content));
  });
});

describe('textsAt', () => {
  it('reads the texts of the paths that exist at the revision, and no others', async () => {
    temp = await makeTempBareRepo(Object.fromEntries(validFleetFiles()));
    const repo = temp.repo;
    const head = (await repo.head('main'))!;
    const { files } = await repo.read(head);
    const paths = ['fleet.yaml', 'tenants/alpha-shop/tenant.yaml', 'tenants/nobody/tenant.yaml'];
    const texts = await textsAt(repo, head, paths);
    expect([...texts.keys()].sort()).toEqual(['fleet.yaml', 'tenants/alpha-shop/tenant.yaml']);
    expect(texts.get('fleet.yaml')).toBe(files.get('fleet.yaml'));
    expect(await textsAt({ read: (c: string) => repo.read(c) }, head, paths)).toEqual(texts);
  });
});

describe('a change built on the loaded main', () => {
  it('reads the texts and checks the edited tree without listing main again', async () => {
    temp = await makeTempBareRepo(Object.fromEntries(validFleetFiles()));
    const repo = temp.repo;
    const lists: string[] = [];
    const counted = {
      read: (c: string) => repo.read(c),
      listTree: (c: string) => (lists.push(c), repo.listTree(c)),
      streamBlobs: (s: readonly string[]) => repo.streamBlobs(s),
    };
    const head = (await repo.head('main'))!;
    expect((await loadRevision(counted, head)).ok).toBe(true);
    expect(lists).toEqual([head]);
    const texts = await textsAt(counted, head, ['fleet.yaml']);
    const edited = await loadEdited(counted, head, [{ path: 'hosts/shared-9.yaml', content: 'name: shared-9\nregion: fra1\nsize: s-2vcpu-4gb\ncapacity: 10\n' }]);
    expect(texts.has('fleet.yaml')).toBe(true);
    expect(edited.ok).toBe(true);
    expect(lists).toEqual([head]);

    // Another revision is listed: the kept listing is only ever the loaded commit's.
    const next = await repo.commit({ branch: 'main', parent: head, edits: [{ path: 'hosts/shared-8.yaml', content: 'name: shared-8\nregion: fra1\nsize: s-2vcpu-4gb\ncapacity: 10\n' }], message: 'add a host\n', expect: { at: head } });
    expect((await textsAt(counted, next, ['hosts/shared-8.yaml'])).has('hosts/shared-8.yaml')).toBe(true);
    expect(lists).toEqual([head, next]);
  });
});
