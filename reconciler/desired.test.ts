import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadFleet } from '../fleet/load/index.js';
import type { ModuleRuntime } from '../fleet/schema/module-runtime.js';
import { ManifestCache } from '../fleet/load/cache.js';
import { FIXTURE_NOW, fleetFiles, SHARED_TENANT, snapshot, treeOf, validFleetManifests } from '../test/fleet-fixtures.js';
import { desiredState, type EnvValue } from './desired.js';
import { renderCompose } from './render-compose.js';

/** A core runtime using every env source a module.yaml may name. */
const core: ModuleRuntime = {
  name: 'core',
  version: '1.1.0',
  image: 'ghcr.io/buckfleet/core:1.1.0',
  env: {
    OWNER_ID: { from: 'owner' },
    CHATS: { from: 'chats' },
    PORT: { from: 'config', key: 'PORT', default: '8080' },
    MODE: { from: 'value', value: 'polling' },
    DATABASE_URL: { from: 'database' },
    BOT_TOKEN: { from: 'secret', key: 'BOT_TOKEN' },
  },
  migrations: [],
};
const welcome: ModuleRuntime = { name: 'welcome', version: '1.0.0', image: 'ghcr.io/buckfleet/welcome:1.0.0', env: { GREETING: { from: 'config', key: 'GREETING' } }, migrations: [] };

describe('desired env of a module', () => {
  it("resolves { from: owner } to the tenant owner's Telegram id, beside chats, config, values, database and secrets", () => {
    const loaded = loadFleet(snapshot(fleetFiles(validFleetManifests())));
    if (!loaded.ok) throw new Error(loaded.issues.map((i) => i.message).join('\n'));
    const runtimes = new Map([
      ['core@1.1.0', core],
      ['core@1.0.0', { ...core, version: '1.0.0' }],
      ['welcome@1.0.0', welcome],
    ]);
    const tenant = desiredState(loaded.fleet, runtimes, FIXTURE_NOW, { networkMode: 'host' }).tenants.get(SHARED_TENANT);
    expect(tenant?.services.find((s) => s.name === 'core')?.env).toEqual({
      OWNER_ID: { value: '200001' },
      CHATS: { value: JSON.stringify([{ id: -1_001_234_567_890, type: 'supergroup', title: 'Alpha customers' }]) },
      PORT: { value: '8080' },
      MODE: { value: 'polling' },
      DATABASE_URL: { database: true },
      BOT_TOKEN: { secret: 'BOT_TOKEN', sealed: expect.any(String) as string },
    });

    // The owner id reaches the compose file as plain text, like any planned value.
    const resolve = (v: EnvValue) => ('value' in v ? v.value : 'resolved-elsewhere');
    const compose = parse(renderCompose(tenant!, resolve, { networkMode: 'host' })) as { services: Record<string, { environment: Record<string, string> }> };
    expect(compose.services.core?.environment.OWNER_ID).toBe('200001');
  });
});

describe("a tenant's services across passes", () => {
  const runtimesWith = (image = core.image) =>
    new Map<string, ModuleRuntime>([
      ['core@1.1.0', { ...core, image, env: { ...core.env } }],
      ['core@1.0.0', { ...core, version: '1.0.0' }],
      ['welcome@1.0.0', { ...welcome }],
    ]);
  const load = () => {
    const loaded = loadFleet(snapshot(fleetFiles(validFleetManifests())));
    if (!loaded.ok) throw new Error(loaded.issues.map((i) => i.message).join('\n'));
    return loaded.fleet;
  };
  /** Through the manifest cache, as a reconcile pass loads: every manifest value frozen. */
  const cached = () => {
    const { listing, texts } = treeOf(fleetFiles(validFleetManifests()));
    const { result } = new ManifestCache().load(listing, texts);
    if (!result.ok) throw new Error(result.issues.map((i) => i.message).join('\n'));
    return result.fleet;
  };
  const services = (fleet: ReturnType<typeof load>, runtimes = runtimesWith(), networkMode: 'host' | 'bridge' = 'host') =>
    desiredState(fleet, runtimes, FIXTURE_NOW, { networkMode }).tenants.get(SHARED_TENANT)?.services;

  it('are built once for the same frozen manifests and runtimes of the same content, as a fresh build would be', () => {
    const fleet = cached();
    const first = services(fleet);
    // Each pass reads the modules again: other runtime objects, the same content.
    expect(services(fleet, runtimesWith())).toBe(first);
    expect(first).toEqual(services(load()));
    expect(Object.isFrozen(first?.[0]?.env)).toBe(true);
  });

  it('are built again when a runtime, the network mode or the secrets change', () => {
    const fleet = cached();
    const first = services(fleet)!;
    const newImage = services(fleet, runtimesWith('ghcr.io/buckfleet/core:1.1.1'))!;
    expect(newImage.find((s) => s.name === 'core')?.image).toBe('ghcr.io/buckfleet/core:1.1.1');
    expect(newImage.find((s) => s.name === 'core')?.spec).not.toBe(first.find((s) => s.name === 'core')?.spec);
    expect(services(fleet, runtimesWith(), 'bridge')?.[0]?.spec).not.toBe(first[0]?.spec);

    // Kept again for host mode: only the secrets differ below.
    expect(services(fleet)).toBe(services(fleet));
    const record = fleet.tenants.get(SHARED_TENANT)!;
    const sealed = '-----BEGIN AGE ENCRYPTED FILE-----\nYWdl\n-----END AGE ENCRYPTED FILE-----\n';
    const resealed = { ...record, secrets: Object.freeze({ values: Object.freeze({ ...record.secrets?.values, BOT_TOKEN: sealed }) }) };
    const next = { ...fleet, tenants: new Map([...fleet.tenants, [SHARED_TENANT, resealed]]) };
    expect(services(next)?.find((s) => s.name === 'core')?.env.BOT_TOKEN).toEqual({ secret: 'BOT_TOKEN', sealed });
  });

  it('are never kept for manifests that can change in place', () => {
    const fleet = load();
    const before = services(fleet);
    const install = fleet.tenants.get(SHARED_TENANT)!.tenant.modules.core!;
    (install.config as Record<string, string>).PORT = '9090';
    const after = services(fleet);
    expect(after).not.toBe(before);
    expect(after?.find((s) => s.name === 'core')?.env.PORT).toEqual({ value: '9090' });
  });
});
