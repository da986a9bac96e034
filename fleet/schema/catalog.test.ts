import { describe, expect, it } from 'vitest';
import { validFleetManifests } from '../../test/fleet-fixtures.js';
import { CatalogEntry, ImageRef, ModuleRelease } from './catalog.js';

const entry = (name: 'core' | 'welcome') => {
  const e = validFleetManifests().catalog[name];
  if (!e) throw new Error(`fixture has no module ${name}`);
  return e;
};
const release = { image: 'ghcr.io/acme/core:1.2.0', releasedAt: '2026-03-01T00:00:00Z' };

describe('CatalogEntry', () => {
  it('accepts the fixture modules, with requires defaulting to none', () => {
    const core = CatalogEntry.parse(entry('core'));
    expect(Object.keys(core.versions)).toEqual(['1.0.0', '1.1.0']);
    expect(core.versions['1.0.0']?.requires).toEqual({});
    expect(CatalogEntry.parse(entry('welcome')).versions['1.0.0']?.requires).toEqual({ core: '>=1.1 <2' });
  });

  it('keys versions by exact semantic versions', () => {
    const r = CatalogEntry.safeParse({ ...entry('core'), versions: { '1.0': release } });
    expect(r.error?.issues).toMatchObject([{ code: 'invalid_key', path: ['versions', '1.0'] }]);
    expect(r.error?.issues[0]?.code === 'invalid_key' && r.error.issues[0].issues[0]?.message).toBe('must be a semantic version such as 1.2.0');
  });

  it('refuses a title without English and unknown languages', () => {
    const r = CatalogEntry.safeParse({ ...entry('core'), title: { ru: 'Ядро', de: 'Kern' } });
    expect(r.error?.issues.map((i) => (i.code === 'unrecognized_keys' ? `unknown ${i.keys.join()}` : `${i.path.join('.')}: ${i.message}`))).toEqual([
      'title.en: Invalid input: expected string, received undefined',
      'unknown de',
    ]);
  });
});

describe('ModuleRelease', () => {
  const issues = (value: unknown) => ModuleRelease.safeParse(value).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);

  it('requires other modules by semver range', () => {
    expect(ModuleRelease.parse({ ...release, requires: { core: '^1.1.0' } }).requires).toEqual({ core: '^1.1.0' });
    expect(issues({ ...release, requires: { core: 'soon' } })).toEqual(['requires.core: must be a semver range such as ">=1.2 <2"']);
    expect(issues({ ...release, requires: { core: '' } })).toEqual(['requires.core: must be a semver range such as ">=1.2 <2"']);
  });

  it('refuses a release without a release time', () => {
    expect(issues({ image: release.image })).toEqual(['releasedAt: must be an ISO 8601 UTC time such as 2026-11-24T05:00:00Z']);
  });
});

describe('ImageRef', () => {
  it.each(['ghcr.io/acme/core:1.2.0', 'registry.local:5000/core', 'core', `ghcr.io/acme/core@sha256:${'a'.repeat(64)}`])('accepts %s', (ref) => {
    expect(ImageRef.parse(ref)).toBe(ref);
  });
  it.each(['GHCR.io/acme/core', 'ghcr.io/acme/core:1.2.0; rm -rf /', 'ghcr.io/acme/core:$(id)', '-core', 'core@sha256:short'])('refuses %j', (ref) => {
    expect(ImageRef.safeParse(ref).error?.issues.map((i) => i.message)).toEqual(['must be a container image reference such as ghcr.io/acme/core:1.2.0']);
  });
});
