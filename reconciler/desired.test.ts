import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadFleet } from '../fleet/load/index.js';
import type { ModuleRuntime } from '../fleet/schema/module-runtime.js';
import { FIXTURE_NOW, fleetFiles, SHARED_TENANT, snapshot, validFleetManifests } from '../test/fleet-fixtures.js';
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
