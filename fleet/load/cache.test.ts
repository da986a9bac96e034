import { describe, expect, it } from 'vitest';
import { lineNumberOf, SHARED_HOST, SHARED_TENANT, treeOf, validFleetFiles } from '../../test/fleet-fixtures.js';
import { FLEET_FILE, hostFile, tenantFile } from '../paths.js';
import { ManifestCache } from './cache.js';
import { formatIssue, type LoadResult } from './index.js';

const TENANT = tenantFile(SHARED_TENANT);
const HOST = hostFile(SHARED_HOST);

const issuesOf = (r: LoadResult) => (r.ok ? [] : r.issues.map(formatIssue));

describe('ManifestCache', () => {
  it('validates every manifest once, then answers an unchanged tree from the cache alone', () => {
    const files = validFleetFiles();
    files.set('README.md', '# not a manifest\n');
    const { listing, texts } = treeOf(files);
    const cache = new ManifestCache();
    const manifests = files.size - 1;
    expect(cache.missing(listing, new Map())).toHaveLength(manifests);

    const first = cache.load(listing, texts);
    expect(first.result.ok).toBe(true);
    expect(first.stats).toEqual({ validated: manifests, reused: 0, evicted: 0 });
    expect(cache.size).toBe(manifests);

    // No texts at all this time: everything must come from the cache.
    expect(cache.missing(listing, new Map())).toEqual([]);
    const second = cache.load(listing, new Map());
    expect(second.stats).toEqual({ validated: 0, reused: manifests, evicted: 0 });
    expect(second.result).toEqual(first.result);
  });

  it('validates a file again when its blob changes, and never serves the old content', () => {
    const files = validFleetFiles();
    const cache = new ManifestCache();
    const before = treeOf(files);
    cache.load(before.listing, before.texts);

    files.set(HOST, (files.get(HOST) ?? '').replace(/capacity: \d+/, 'capacity: 7'));
    const after = treeOf(files);
    expect(cache.missing(after.listing, new Map()).map((b) => b.path)).toEqual([HOST]);
    const { result, stats } = cache.load(after.listing, after.texts);
    expect(stats.validated).toBe(1);
    // The old blob of the host file is gone from the tree, so from the cache.
    expect(stats.evicted).toBe(1);
    expect(result.ok && result.fleet.hosts.get(SHARED_HOST)?.capacity).toBe(7);

    // Back to the first content: a blob seen before, but evicted, so read and validated again.
    expect(cache.missing(before.listing, new Map()).map((b) => b.path)).toEqual([HOST]);
    const back = cache.load(before.listing, before.texts);
    expect(back.result.ok && back.result.fleet.hosts.get(SHARED_HOST)?.capacity).not.toBe(7);
  });

  it('drops the entries of files no longer in the tree', () => {
    const files = validFleetFiles();
    files.set(hostFile('spare-1'), 'name: spare-1\nregion: fra1\nsize: s-2vcpu-4gb\ncapacity: 5\n');
    const cache = new ManifestCache();
    const full = treeOf(files);
    cache.load(full.listing, full.texts);
    const size = cache.size;

    files.delete(hostFile('spare-1'));
    const { result, stats } = cache.load(treeOf(files).listing, new Map());
    expect(stats).toEqual({ validated: 0, reused: size - 1, evicted: 1 });
    expect(cache.size).toBe(size - 1);
    expect(result.ok && [...result.fleet.hosts.keys()]).toEqual([SHARED_HOST]);
  });

  it('keys by path too: the same bytes at another path are validated for that path', () => {
    const files = validFleetFiles();
    const cache = new ManifestCache();
    const first = treeOf(files);
    cache.load(first.listing, first.texts);
    // The shared host's exact bytes as a second host file: same blob, different file name rule.
    files.set(hostFile('shared-2'), files.get(HOST) ?? '');
    const second = treeOf(files);
    const { result, stats } = cache.load(second.listing, second.texts);
    expect(stats.validated).toBe(1);
    expect(issuesOf(result)).toEqual([`${hostFile('shared-2')}:1: name: must equal the file name "shared-2"`]);
  });

  it('keeps no broken file: it is reported again on every load, at its line', () => {
    const files = validFleetFiles();
    const text = (files.get(TENANT) ?? '').replace('plan: basic', 'plan: basic\ncolour: red');
    files.set(TENANT, text);
    const { listing, texts } = treeOf(files);
    const cache = new ManifestCache();
    const expected = [`${TENANT}:${lineNumberOf(text, 'colour: red')}: colour: unknown field "colour"`];
    expect(issuesOf(cache.load(listing, texts).result)).toEqual(expected);
    expect(cache.missing(listing, new Map()).map((b) => b.path)).toEqual([TENANT]);
    const again = cache.load(listing, texts);
    expect(again.stats.validated).toBe(1);
    expect(issuesOf(again.result)).toEqual(expected);
  });

  it('locates a cross-file problem in a cached file at its line, from the text it was read from', () => {
    const files = validFleetFiles();
    const cache = new ManifestCache();
    const first = treeOf(files);
    cache.load(first.listing, first.texts);
    // Only fleet.yaml changes; the tenant is answered from the cache and is now wrong.
    files.set(FLEET_FILE, (files.get(FLEET_FILE) ?? '').replace(/^ {2}basic:/m, '  starter:'));
    const second = treeOf(files);
    const { result, stats } = cache.load(second.listing, second.texts);
    expect(stats.validated).toBe(1);
    const line = lineNumberOf(files.get(TENANT), 'plan: basic');
    expect(issuesOf(result)).toContain(`${TENANT}:${line}: plan: unknown plan "basic"; fleet.yaml has starter, pro`);
  });

  it('freezes what it keeps, so no pass can change what the next one sees', () => {
    const { listing, texts } = treeOf(validFleetFiles());
    const { result } = new ManifestCache().load(listing, texts);
    if (!result.ok) throw new Error(issuesOf(result).join('\n'));
    const host = result.fleet.hosts.get(SHARED_HOST);
    expect(Object.isFrozen(host)).toBe(true);
    expect(() => Object.assign(host ?? {}, { capacity: 1 })).toThrow(TypeError);
    // All the way down: maps of modules, lists of chats and periods, the objects in them.
    const unfrozen: string[] = [];
    const walk = (value: unknown, at: string) => {
      if (value === null || typeof value !== 'object') return;
      if (at.includes('.') && !Object.isFrozen(value)) unfrozen.push(at);
      for (const [k, v] of Object.entries(value)) walk(v, `${at}.${k}`);
    };
    for (const [slug, { tenant, billing, secrets }] of result.fleet.tenants) walk({ tenant, billing, secrets }, slug);
    expect(unfrozen).toEqual([]);
    const record = result.fleet.tenants.get(SHARED_TENANT);
    expect(record?.tenant.chats.length).toBeGreaterThan(0);
    expect(record?.billing.periods.length).toBeGreaterThan(0);
  });
});
