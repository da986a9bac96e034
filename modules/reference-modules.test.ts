import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadFleet } from '../fleet/load/index.js';
import { daysFrom, FIXTURE_NOW, fleetFiles, snapshot, validFleetManifests } from '../test/fleet-fixtures.js';
import { bundledModules, MODULES_DIR } from './build.js';
import { DirModuleSource } from './runtime-source.js';
import { ModuleManifest } from './schema.js';

const REFERENCE = ['core', 'scheduled-posts', 'welcome'];

describe('the reference modules in modules/', () => {
  it.each(REFERENCE)('%s: module.yaml is valid, and every migration version has a CHANGELOG section, and it has the src/main.ts the Dockerfile bundles', (name) => {
    const manifest = ModuleManifest.parse(parse(readFileSync(join(MODULES_DIR, name, 'module.yaml'), 'utf8')));
    expect(manifest.name).toBe(name);
    expect(manifest.image).toBe(`ghcr.io/buckfleet/${name}:{version}`);
    expect(manifest.healthcheck?.test).toEqual(['CMD', 'node', '/app/index.cjs', 'healthcheck']);
    const versions = readdirSync(join(MODULES_DIR, name, 'migrations'));
    const changelog = readFileSync(join(MODULES_DIR, name, 'CHANGELOG.md'), 'utf8');
    for (const v of versions) expect(changelog).toContain(`\n## ${v}\n`);
    expect(existsSync(join(MODULES_DIR, name, 'src', 'main.ts'))).toBe(true);
  });

  it('are built by the one modules/Dockerfile, which takes MODULE and VERSION and bundles that module', () => {
    const dockerfile = readFileSync(join(MODULES_DIR, 'Dockerfile'), 'utf8');
    expect(dockerfile.match(/^ARG MODULE$/gm)).toHaveLength(2);
    expect(dockerfile).toMatch(/^ARG VERSION$/m);
    expect(dockerfile).toContain('RUN npx tsx modules/build.ts "$MODULE"');
    for (const name of REFERENCE) expect(existsSync(join(MODULES_DIR, name, 'Dockerfile')), `${name} has a Dockerfile of its own`).toBe(false);
  });

  it('are the modules the bundler builds', async () => {
    expect(await bundledModules()).toEqual(REFERENCE);
  });

  it('DirModuleSource reads them: runtimes per released version with cumulative migrations, and the SQL', async () => {
    const m = validFleetManifests();
    // Fresh objects each: a shared one would be written as a YAML alias, which manifests refuse.
    const released = (name: string, version: string) => ({ image: `ghcr.io/buckfleet/${name}:${version}`, releasedAt: daysFrom(FIXTURE_NOW, -1) });
    m.catalog.core = { name: 'core', title: { en: 'Multi-bot' }, versions: { '1.0.0': released('core', '1.0.0'), '1.1.0': released('core', '1.1.0') } };
    m.catalog.welcome = { name: 'welcome', title: { en: 'Welcome' }, versions: { '1.0.0': { ...released('welcome', '1.0.0'), requires: { core: '>=1.1 <2' } } } };
    m.catalog['scheduled-posts'] = { name: 'scheduled-posts', title: { en: 'Scheduled posts' }, versions: { '1.0.0': released('scheduled-posts', '1.0.0') } };
    const loaded = loadFleet(snapshot(fleetFiles(m)));
    if (!loaded.ok) throw new Error(loaded.issues.map((i) => i.message).join('\n'));
    const source = new DirModuleSource(MODULES_DIR);
    const runtimes = await source.runtimes(loaded.fleet);

    expect([...runtimes.keys()].sort()).toEqual(['core@1.0.0', 'core@1.1.0', 'scheduled-posts@1.0.0', 'welcome@1.0.0']);
    const core = runtimes.get('core@1.1.0');
    expect(core?.image).toBe('ghcr.io/buckfleet/core:1.1.0');
    expect(core?.migrations).toEqual(['core@1.0.0/001-users.sql', 'core@1.1.0/001-chat-joins.sql']);
    expect(runtimes.get('core@1.0.0')?.migrations).toEqual(['core@1.0.0/001-users.sql']);
    expect(core?.env.OWNER_ID).toEqual({ from: 'owner' });
    expect(core?.env.BOT_TOKEN).toEqual({ from: 'secret', key: 'BOT_TOKEN' });
    expect(runtimes.get('welcome@1.0.0')?.migrations).toEqual(['welcome@1.0.0/001-greetings.sql']);
    expect(runtimes.get('scheduled-posts@1.0.0')?.migrations).toEqual(['scheduled-posts@1.0.0/001-posts.sql']);
    expect((await source.migration('core@1.1.0/001-chat-joins.sql')).sql).toContain('CREATE TABLE core_chat_joins');
  });
});
