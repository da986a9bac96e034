import { isDeepStrictEqual } from 'node:util';
import semver from 'semver';
import { catalogFile } from '../paths.js';
import type { CatalogEntry, ModuleRelease } from '../schema/index.js';
import { toYaml } from '../serialize.js';
import { type Builder, reject } from './context.js';

/**
 * Adds a released version to `catalog/<module>.yaml`, creating the file for a module's first
 * release. A released version is immutable: tenants already run it, so recording it again with
 * the same facts changes nothing, and with other facts (another image, other requires) is
 * refused; the fix is a new version tag, not an edit of history.
 */
export const buildModuleRelease: Builder<'module.release'> = (ctx, cr) => {
  const existing = ctx.fleet.catalog.get(cr.module);
  const recorded = existing?.versions[cr.version];
  if (recorded !== undefined && !isDeepStrictEqual(normalise(recorded), normalise(cr.release))) {
    reject(
      cr,
      'exists',
      `${cr.module}@${cr.version} is already in ${catalogFile(cr.module)} with other facts (${differences(recorded, cr.release).join(', ')}); ` +
        'a released version never changes: tag a new version instead',
    );
  }
  const versions = { ...(existing?.versions ?? {}), [cr.version]: recorded ?? cr.release };
  const entry: CatalogEntry = {
    name: cr.module,
    title: existing?.title ?? cr.title,
    ...(existing?.description ?? cr.description ? { description: existing?.description ?? cr.description } : {}),
    // Oldest first, so the file reads as the module's history and a new release appends at the end.
    versions: Object.fromEntries(semver.sort(Object.keys(versions)).map((v) => [v, versions[v]!])),
  };
  const requires = Object.entries(cr.release.requires).map(([m, range]) => `${m} ${range}`);
  return {
    edits: [{ path: catalogFile(cr.module), content: toYaml(entry) }],
    title: `Release ${cr.module} ${cr.version}`,
    commitType: 'feat',
    details: [
      `module: ${cr.module}@${cr.version}${existing === undefined ? ' (first release of this module)' : ''}`,
      `image: ${cr.release.image}`,
      `requires: ${requires.join(', ') || 'nothing'}`,
      `released at: ${cr.release.releasedAt}`,
      ...(cr.release.notes ? ['release notes below'] : []),
    ],
  };
};

/** Absent notes and empty notes mean the same; times compare as times. */
function normalise(r: ModuleRelease) {
  return { image: r.image, requires: r.requires, releasedAt: Date.parse(r.releasedAt), notes: r.notes?.trim() || null };
}

function differences(a: ModuleRelease, b: ModuleRelease): string[] {
  const x = normalise(a);
  const y = normalise(b);
  return (Object.keys(x) as (keyof typeof x)[]).filter((k) => !isDeepStrictEqual(x[k], y[k]));
}
