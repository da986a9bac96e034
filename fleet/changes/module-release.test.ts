import { describe, expect, it } from 'vitest';
import { fleetFiles, snapshot, validFleetManifests } from '../../test/fleet-fixtures.js';
import { applyEdits } from '../edits.js';
import { loadFleet } from '../load/index.js';
import type { FleetFiles } from '../model.js';
import { catalogFile } from '../paths.js';
import { mergeModeOf } from '../policy.js';
import { buildChange, ChangeRejectedError, ChangeRequest, type ChangeRequestInput } from './index.js';

const NOW = '2026-03-16T12:00:00.000Z';

function fleetOf(files: FleetFiles = fleetFiles(validFleetManifests())) {
  const snap = snapshot(files);
  const loaded = loadFleet(snap);
  if (!loaded.ok) throw new Error(loaded.issues.map((i) => i.message).join('\n'));
  return { snap, fleet: loaded.fleet };
}

const release = (over: Partial<Record<string, unknown>> = {}): ChangeRequestInput => ({
  kind: 'module.release',
  id: 'release:core@1.2.0',
  requestedBy: { type: 'release', tag: 'core@1.2.0' },
  module: 'core',
  version: '1.2.0',
  title: { en: 'Core', ru: 'Ядро' },
  release: { image: 'ghcr.io/acme/core:1.2.0', requires: {}, releasedAt: '2026-03-15T10:00:00Z', notes: '- faster /start' },
  ...over,
});

function build(input: ChangeRequestInput, files: FleetFiles = fleetFiles(validFleetManifests())) {
  const { snap, fleet } = fleetOf(files);
  const plan = buildChange({ fleet, files: snap.files, now: NOW }, ChangeRequest.parse(input));
  const after = loadFleet(applyEdits(snap, plan.edits));
  if (!after.ok) throw new Error(after.issues.map((i) => `${i.file}: ${i.message}`).join('\n'));
  return { plan, after: after.fleet, files: applyEdits(snap, plan.edits).files };
}

describe('module.release', () => {
  it('adds the version to the catalog, keeps the older ones, and says what it releases in the PR', () => {
    const { plan, after } = build(release());
    expect(Object.keys(after.catalog.get('core')!.versions)).toEqual(['1.0.0', '1.1.0', '1.2.0']);
    expect(after.catalog.get('core')!.versions['1.2.0']).toEqual({
      image: 'ghcr.io/acme/core:1.2.0',
      requires: {},
      releasedAt: '2026-03-15T10:00:00Z',
      notes: '- faster /start',
    });
    expect(plan.edits.map((e) => e.path)).toEqual([catalogFile('core')]);
    expect(plan.title).toBe('Release core 1.2.0');
    expect(plan.branch).toMatch(/^bf\/module-release\/core-v1\.2\.0-[0-9a-f]{10}$/);
    expect(plan.body).toContain('### Release notes\n\n- faster /start');
    expect(plan.body).toContain('image: ghcr.io/acme/core:1.2.0');
    expect(plan.labels).toEqual(['module.release']);
  });

  it('creates the catalog file of a module released for the first time', () => {
    const { after } = build(
      release({
        id: 'release:polls@0.1.0',
        module: 'polls',
        version: '0.1.0',
        title: { en: 'Polls', ru: 'Опросы' },
        description: { en: 'Polls in chats', ru: 'Опросы в чатах' },
        release: { image: 'ghcr.io/acme/polls:0.1.0', requires: { core: '>=1.1 <2' }, releasedAt: '2026-03-15T10:00:00Z' },
      }),
    );
    expect(after.catalog.get('polls')).toEqual({
      name: 'polls',
      title: { en: 'Polls', ru: 'Опросы' },
      description: { en: 'Polls in chats', ru: 'Опросы в чатах' },
      versions: { '0.1.0': { image: 'ghcr.io/acme/polls:0.1.0', requires: { core: '>=1.1 <2' }, releasedAt: '2026-03-15T10:00:00Z' } },
    });
  });

  it('recording the same release again plans no edit', () => {
    const first = build(release());
    const { fleet } = fleetOf(first.files);
    const again = buildChange({ fleet, files: first.files, now: NOW }, ChangeRequest.parse(release()));
    expect(again.edits).toEqual([]);
  });

  it('refuses to rewrite a released version with other facts, naming them', () => {
    const first = build(release());
    const { fleet } = fleetOf(first.files);
    const changed = release({ release: { image: 'ghcr.io/acme/core:1.2.0-bis', requires: {}, releasedAt: '2026-03-15T10:00:00Z', notes: '- faster /start' } });
    let error: unknown;
    try {
      buildChange({ fleet, files: first.files, now: NOW }, ChangeRequest.parse(changed));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ChangeRejectedError);
    expect((error as ChangeRejectedError).reason).toBe('exists');
    expect((error as ChangeRejectedError).message).toMatch(/core@1\.2\.0 is already in catalog\/core\.yaml with other facts \(image\)/);
  });

  it('merges by itself unless fleet.yaml says otherwise; other kinds keep the fleet default', () => {
    const { fleet } = fleetOf();
    const config = { ...fleet.config, mergePolicy: { default: 'review' as const, kinds: {} } };
    expect(mergeModeOf(config, 'module.release')).toBe('auto');
    expect(mergeModeOf(config, 'module.update')).toBe('review');
    expect(mergeModeOf({ ...config, mergePolicy: { default: 'review', kinds: { 'module.release': 'review' } } }, 'module.release')).toBe('review');
  });
});
