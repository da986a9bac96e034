import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { loadConfig } from '../../app/config.js';
import { openReconciler, type ReconcilerHandle } from '../../app/reconciler.js';
import { silentLog } from '../../fleet/log.js';
import { sealValue } from '../../fleet/seal.js';
import { parseCloudInit } from '../../reconciler/resources/droplet/index.js';
import { type FakeDigitalOcean, startFakeDigitalOcean } from '../fake-do/index.js';
import { TEST_IDENTITY, TEST_RECIPIENT } from '../fleet-fixtures.js';
import { makeTempBareRepo, type TempBareRepo } from '../git.js';
import { generateClientKey, importImage, startTestHost, stopAllTestHosts, type TestHost } from '../hosts/index.js';
import type { MeetingPoint } from '../hosts/meeting-point.js';
import { dropTenantDatabases } from './assertions.js';
import pg from 'pg';
import { withDatabase } from '../../app/db/url.js';
import { adminUrl, dropDatabase } from '../pg/database.js';

export const MODULES_DIR = join(dirname(fileURLToPath(import.meta.url)), 'modules');
/** Images the test modules pin, imported into every test host as it boots. */
const IMAGES = ['buckfleet-test/core:1.0.0', 'buckfleet-test/core:1.1.0', 'buckfleet-test/welcome:1.0.0'];

export interface WorldTenant {
  readonly slug: string;
  readonly placement: 'dedicated' | 'shared';
  readonly port: number;
  readonly modules?: Record<string, string>;
}

/** Everything a reconciler e2e test runs against: real git, PostgreSQL, test hosts; a fake DigitalOcean. */
export interface World {
  /** The fleet's name (fleet.yaml), unique per world. */
  readonly fleet: string;
  readonly home: string;
  readonly repo: TempBareRepo;
  readonly cloud: FakeDigitalOcean;
  /** Test hosts booted for droplets, by droplet name. */
  readonly hosts: Map<string, TestHost>;
  /** The environment a `buckfleet` process of this world runs with. */
  readonly env: Record<string, string>;
  readonly tenants: readonly WorldTenant[];
  /** The random part of this world's names: tenants a test creates should carry it too. */
  readonly suffix: string;
  /** With `meetingPoint`: the address of this machine every host of the world reaches. */
  readonly meetingPoint: MeetingPoint | null;
  readonly botTokens: Readonly<Record<string, string>>;
  /** An in-process reconciler, opened on first use. */
  reconciler(): Promise<ReconcilerHandle>;
  /** Takes everything down: reconciler, cloud, hosts, repo, the tenants' databases, the control database. */
  close(): Promise<void>;
}

const DAY = 86_400_000;

/** A fleet repo for `tenants`: core (1.0.0, 1.1.0) and welcome (1.0.0) released, one shared host. */
export async function fleetFilesFor(
  fleet: string,
  tenants: readonly WorldTenant[],
  tokens: Record<string, string>,
  now = Date.now(),
  patchFleet: (fleetYaml: Record<string, unknown>) => void = () => undefined,
): Promise<Record<string, string>> {
  const iso = (ms: number) => new Date(ms).toISOString();
  const fleetYaml: Record<string, unknown> = {
    name: fleet,
    plans: {
      basic: { title: 'Basic', price: { amount: 500, currency: 'usd' }, placement: 'shared' },
      pro: { title: 'Pro', price: { amount: 2000, currency: 'usd' }, placement: 'dedicated' },
    },
    mergePolicy: { default: 'auto' },
    admins: [100_001],
    secretsRecipient: TEST_RECIPIENT,
  };
  patchFleet(fleetYaml);
  const files: Record<string, string> = {
    'fleet.yaml': stringify(fleetYaml),
    'hosts/shared-1.yaml': stringify({ name: 'shared-1', region: 'fra1', size: 's-2vcpu-4gb', capacity: 10 }),
    'catalog/core.yaml': stringify({
      name: 'core',
      title: { en: 'Test multi-bot' },
      versions: {
        '1.0.0': { image: 'buckfleet-test/core:1.0.0', releasedAt: iso(now - 30 * DAY) },
        '1.1.0': { image: 'buckfleet-test/core:1.1.0', releasedAt: iso(now - DAY) },
      },
    }),
    'catalog/welcome.yaml': stringify({
      name: 'welcome',
      title: { en: 'Welcome messages' },
      versions: { '1.0.0': { image: 'buckfleet-test/welcome:1.0.0', requires: { core: '>=1.0 <2' }, releasedAt: iso(now - DAY) } },
    }),
  };
  for (const t of tenants) {
    const modules = Object.fromEntries(
      Object.entries(t.modules ?? { core: '1.0.0' }).map(([name, version]) => [name, { version, config: name === 'core' ? { PORT: t.port, BOT_NAME: t.slug } : {} }]),
    );
    files[`tenants/${t.slug}/tenant.yaml`] = stringify({
      slug: t.slug,
      owner: { telegramUserId: 300_000 + t.port },
      plan: t.placement === 'dedicated' ? 'pro' : 'basic',
      placement: t.placement === 'dedicated' ? { type: 'dedicated', region: 'fra1', size: 's-1vcpu-1gb' } : { type: 'shared', host: 'shared-1' },
      modules,
      createdAt: iso(now - DAY),
    });
    const period = { id: `in_${t.slug.replace(/-/g, '_')}`, start: iso(now - DAY), end: iso(now + 29 * DAY), source: 'stripe', amount: { amount: 500, currency: 'usd' } };
    files[`tenants/${t.slug}/billing.yaml`] = stringify({ status: 'active', paidThrough: period.end, periods: [period] });
    files[`tenants/${t.slug}/secrets.age`] = stringify({ values: { BOT_TOKEN: await sealValue(TEST_RECIPIENT, tokens[t.slug] ?? '') } });
  }
  return files;
}

/**
 * Starts a world: a control database for this test, the shared test PostgreSQL as the tenant
 * database server, a fleet repo, a fake DigitalOcean whose droplets boot real network-namespace
 * test hosts from their cloud-init (host key pinned, fleet key authorized), and keys on disk.
 * Tenant slugs get a random suffix, so worlds of parallel test files never share a database name.
 */
export interface WorldOptions {
  /** Edits fleet.yaml (as a plain object) before the repo is made: a plan's Stripe price, a merge policy. */
  readonly fleet?: (fleetYaml: Record<string, unknown>) => void;
  /** Edits the fleet repo's first commit (path → text) after fleet.yaml: a catalog, a tenant's config. */
  readonly files?: (files: Record<string, string>) => void;
  /** The modules folder the reconciler reads (BUCKFLEET_MODULES_DIR): the busybox stand-ins by default. */
  readonly modulesDir?: string;
  /** Runs on each test host as it boots, after the stand-in images are imported (e.g. real module images). */
  readonly onHost?: (host: TestHost) => Promise<void>;
  /**
   * An address every host reaches (test/hosts/meeting-point.ts), made the stacks' way to the
   * tenant database server (TENANT_DATABASE_STACK_HOST), for stacks that really connect. The
   * test owns it (it may relay the Telegram emulator there before the world starts) and closes it.
   */
  readonly meetingPoint?: MeetingPoint;
  /**
   * The admin URL of a PostgreSQL server for this world's control and tenant databases, instead
   * of the run's shared one: a test that restarts its server would cut every other test off the
   * shared one. The test owns that server and throws it away, so close() drops nothing on it.
   */
  readonly pgAdminUrl?: string;
}

export async function startWorld(specs: readonly { name: string; placement: 'dedicated' | 'shared'; modules?: Record<string, string> }[], opts: WorldOptions = {}): Promise<World> {
  const home = await mkdtemp(join(tmpdir(), 'bf-world-'));
  await chmod(home, 0o755);
  const suffix = randomBytes(2).toString('hex');
  const fleet = `e2e-${suffix}`;
  const tenants: WorldTenant[] = specs.map((s, i) => ({ slug: `${s.name}-${suffix}`, placement: s.placement, port: 18_081 + i, ...(s.modules ? { modules: s.modules } : {}) }));
  const botTokens = Object.fromEntries(tenants.map((t, i) => [t.slug, `70000000${i}:AAH_${t.slug.replace(/-/g, '_')}_token_000000000000000`]));
  const hosts = new Map<string, TestHost>();
  const meetingPoint = opts.meetingPoint ?? null;
  const client = await generateClientKey();
  await mkdir(join(home, 'keys'), { recursive: true });
  await writeFile(join(home, 'keys', 'age.txt'), `${TEST_IDENTITY}\n`, { mode: 0o600 });
  const cloud = await startFakeDigitalOcean({
    provision: async (spec) => {
      const init = parseCloudInit(spec.userData);
      const keyFile = join(home, 'keys', `host-${spec.id}`);
      await writeFile(keyFile, init.hostPrivateKey, { mode: 0o600 });
      const host = await startTestHost({ hostKeyFile: keyFile, authorizedKeys: init.authorizedKeys.join('\n') });
      hosts.set(spec.name, host);
      meetingPoint?.routeFrom(host);
      for (const image of IMAGES) await importImage(host, image);
      await opts.onHost?.(host);
      return { ipv4: host.address };
    },
    deprovision: async (droplet) => {
      await hosts.get(droplet.name)?.stop();
      hosts.delete(droplet.name);
    },
  });
  const repo = await makeTempBareRepo(
    await fleetFilesFor(fleet, tenants, botTokens, Date.now(), opts.fleet).then((files) => {
      opts.files?.(files);
      return files;
    }),
  );
  // The control database of this world, on the shared test server; dropped by close().
  const controlDbName = `w_${suffix}_${randomBytes(4).toString('hex')}`;
  const serverUrl = opts.pgAdminUrl ?? adminUrl();
  await onServer(serverUrl, (c) => c.query(`CREATE DATABASE ${pg.escapeIdentifier(controlDbName)}`));
  const controlDb = { url: withDatabase(serverUrl, controlDbName) };
  const env: Record<string, string> = {
    BUCKFLEET_HOME: home,
    DATABASE_URL: controlDb.url,
    TENANT_DATABASE_URL: serverUrl,
    FLEET_REPO: repo.gitDir,
    DIGITALOCEAN_TOKEN: cloud.token,
    DIGITALOCEAN_API_URL: cloud.url,
    SSH_PRIVATE_KEY_FILE: client.privateKeyFile,
    AGE_IDENTITY_FILE: join(home, 'keys', 'age.txt'),
    BUCKFLEET_MODULES_DIR: opts.modulesDir ?? MODULES_DIR,
    ...(meetingPoint ? { TENANT_DATABASE_STACK_HOST: meetingPoint.address } : {}),
    BUCKFLEET_STACK_NETWORK: 'host',
    BUCKFLEET_HOST_DIR: join(home, 'hostfs'),
  };
  let handle: ReconcilerHandle | null = null;
  return {
    fleet,
    home,
    repo,
    cloud,
    hosts,
    env,
    tenants,
    suffix,
    meetingPoint,
    botTokens,
    async reconciler() {
      handle ??= await openReconciler(loadConfig(env), home, { log: silentLog });
      return handle;
    },
    async close() {
      await handle?.close();
      await cloud.close();
      for (const h of hosts.values()) await h.stop();
      await stopAllTestHosts();
      await repo.cleanup();
      if (opts.pgAdminUrl === undefined) {
        await dropTenantDatabases(tenants.map((t) => t.slug));
        await dropDatabase(controlDbName);
      }
      await rm(home, { recursive: true, force: true });
    },
  };
}

/** Runs `fn` on a short-lived connection to the server of `url` (the shared one's is `admin`). */
async function onServer<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
