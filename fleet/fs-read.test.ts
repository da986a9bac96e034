import { mkdir, mkdtemp, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FleetDirError, readFleetDir } from './fs-read.js';
import { loadFleet } from './load/index.js';
import { MAX_MANIFEST_BYTES } from './load/yaml.js';

let base: string;
let repo: string;
let outside: string;

const put = async (rel: string, text: string) => {
  await mkdir(dirname(join(repo, rel)), { recursive: true });
  await writeFile(join(repo, rel), text);
};

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'buckfleet-fs-read-'));
  repo = join(base, 'fleet');
  outside = join(base, 'outside');
  await mkdir(repo);
  await mkdir(outside);
  await writeFile(join(outside, 'passwd'), 'root:x:0:0:root:/root:/bin/bash\n');
});

afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

describe('readFleetDir', () => {
  it('reads the manifests under fleet.yaml, tenants/, hosts/ and catalog/ with POSIX relative paths', async () => {
    await put('fleet.yaml', 'name: acme\n');
    await put('tenants/acme/tenant.yaml', 'slug: acme\n');
    await put('hosts/h-one.yaml', 'name: h-one\n');
    await put('catalog/core.yaml', 'name: core\n');
    await put('tenants/.gitkeep', '');

    const snapshot = await readFleetDir(repo);

    expect([...snapshot.files.keys()]).toEqual(['catalog/core.yaml', 'fleet.yaml', 'hosts/h-one.yaml', 'tenants/.gitkeep', 'tenants/acme/tenant.yaml']);
    expect(snapshot.files.get('tenants/acme/tenant.yaml')).toBe('slug: acme\n');
    expect(snapshot.refused.size).toBe(0);
  });

  it('does not walk or read anything else: .git, node_modules, README, workflows', async () => {
    await put('fleet.yaml', 'name: acme\n');
    await put('.git/HEAD', 'ref: refs/heads/main\n');
    await put('node_modules/x/package.json', '{}');
    await put('README.md', '# fleet\n');
    await put('.github/workflows/plan.yml', 'on: pull_request\n');
    await symlink(join(outside, 'passwd'), join(repo, 'notes.txt'));

    const snapshot = await readFleetDir(repo);

    expect([...snapshot.files.keys()]).toEqual(['fleet.yaml']);
    expect(snapshot.refused.size).toBe(0);
  });

  it('refuses a symlink pointing outside the checkout without reading its target', async () => {
    await put('fleet.yaml', 'name: acme\n');
    await mkdir(join(repo, 'tenants/acme'), { recursive: true });
    await symlink('../../../outside/passwd', join(repo, 'tenants/acme/tenant.yaml'));
    await symlink('../../outside', join(repo, 'tenants/evil'));

    const snapshot = await readFleetDir(repo);

    expect(snapshot.files.has('tenants/acme/tenant.yaml')).toBe(false);
    expect(Object.fromEntries(snapshot.refused)).toEqual({
      'tenants/acme/tenant.yaml': 'symbolic links are not allowed in a fleet repo',
      'tenants/evil': 'symbolic links are not allowed in a fleet repo',
    });
    expect([...snapshot.files.values()].join('')).not.toContain('root:x:0:0');
  });

  it('refuses a symlinked directory, keyed with a trailing slash so the loader reports it', async () => {
    await put('fleet.yaml', 'name: acme\n');
    await symlink(outside, join(repo, 'hosts'));
    await symlink('../outside', join(repo, 'catalog'));

    const snapshot = await readFleetDir(repo);

    expect(Object.fromEntries(snapshot.refused)).toEqual({
      'catalog/': 'symbolic links are not allowed in a fleet repo',
      'hosts/': 'symbolic links are not allowed in a fleet repo',
    });
    const result = loadFleet(snapshot);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.issues.filter((i) => i.message.startsWith('refused:')).map((i) => i.file)).toEqual(['catalog/', 'hosts/']);
    }
  });

  it('refuses a symlinked fleet.yaml', async () => {
    await symlink(join(outside, 'passwd'), join(repo, 'fleet.yaml'));

    const snapshot = await readFleetDir(repo);

    expect(snapshot.files.size).toBe(0);
    expect(snapshot.refused.get('fleet.yaml')).toBe('symbolic links are not allowed in a fleet repo');
  });

  it('refuses a file over the manifest limit without reading it', async () => {
    await put('fleet.yaml', 'name: acme\n');
    await put('catalog/huge.yaml', '');
    // Sparse: the size is what matters, and reading it would be the bug.
    await truncate(join(repo, 'catalog/huge.yaml'), MAX_MANIFEST_BYTES + 1);
    await put('catalog/limit.yaml', 'x'.repeat(MAX_MANIFEST_BYTES));

    const snapshot = await readFleetDir(repo);

    expect(snapshot.refused.get('catalog/huge.yaml')).toBe(`file is ${MAX_MANIFEST_BYTES + 1} bytes; a manifest may be at most ${MAX_MANIFEST_BYTES}`);
    expect(snapshot.files.has('catalog/huge.yaml')).toBe(false);
    expect(snapshot.files.get('catalog/limit.yaml')).toHaveLength(MAX_MANIFEST_BYTES);
  });

  it('throws FleetDirError for a missing directory or a file', async () => {
    await expect(readFleetDir(join(base, 'nope'))).rejects.toThrow(FleetDirError);
    await writeFile(join(base, 'file'), '');
    await expect(readFleetDir(join(base, 'file'))).rejects.toThrow(`not a directory: ${join(base, 'file')}`);
  });
});
