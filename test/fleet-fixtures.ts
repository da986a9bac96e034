import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { sealValue } from '../fleet/seal.js';
import { stringify } from 'yaml';
import type { z } from 'zod';
import type { TreeListing } from '../fleet/load/cache.js';
import { gitBlobSha } from '../fleet/load/revision.js';
import type { FleetFiles, FleetSnapshot } from '../fleet/model.js';
import { billingFile, catalogFile, FLEET_FILE, hostFile, secretsFile, tenantFile } from '../fleet/paths.js';
import type {
  BillingManifest,
  CatalogEntry,
  FleetConfig,
  HostManifest,
  SealedSecrets,
  TenantManifest,
} from '../fleet/schema/index.js';

/**
 * Builders for a small, valid fleet repo, shared by every test that needs one.
 *
 * ```ts
 * const files = validFleetFiles();                 // Map<path, YAML text>: loads with no issues
 * const m = validFleetManifests();                 // the same tree as typed objects:
 * m.tenants[SHARED_TENANT]!.tenant.plan = 'gold';  //   change what the test is about,
 * const files2 = fleetFiles(m);                    // then turn it into files
 * const result = loadFleet(snapshot(files2));
 * lineNumberOf(files2.get(tenantFile(SHARED_TENANT)), 'plan: gold');  // where an issue should point
 * ```
 *
 * The tree: `fleet.yaml` with two plans (`basic`: shared, `pro`: dedicated), the catalog
 * (`core` 1.0.0 and 1.1.0; `welcome` 1.0.0, which requires core ">=1.1 <2"), one shared host,
 * a shared tenant and a dedicated tenant, each with a billing.yaml whose `paidThrough` is the
 * latest end of its periods and a secrets.age holding a real age ciphertext of its bot token,
 * sealed to {@link TEST_RECIPIENT}. Dates derive from `now`, at whole seconds.
 */

/** age identity of the test reconciler (generated per test run, never committed). */
export const TEST_IDENTITY: string = await generateX25519Identity();
/** The matching recipient; `fleet.yaml` names it as `secretsRecipient`. */
export const TEST_RECIPIENT: string = await identityToRecipient(TEST_IDENTITY);

/** Encrypts one secret value to `recipient` as armored age text, the form secrets.age holds. */
export { sealValue };

export const SHARED_HOST = 'shared-1';
/** Tenant on plan `basic`, placed on {@link SHARED_HOST}, with `core` 1.1.0 and `welcome` 1.0.0. */
export const SHARED_TENANT = 'alpha-shop';
/** Tenant on plan `pro`, on its own droplet, with `core` 1.0.0 only. */
export const DEDICATED_TENANT = 'bravo-news';
/** The admin of the fleet, who approved the dedicated tenant's manual payment. */
export const ADMIN_ID = 100_001;
/** Plaintext bot tokens sealed in the tenants' secrets.age (decrypt with {@link TEST_IDENTITY}). */
export const BOT_TOKENS: Readonly<Record<string, string>> = {
  [SHARED_TENANT]: '7000000001:AAH_alpha-shop_test_token_0123456789',
  [DEDICATED_TENANT]: '7000000002:AAH_bravo-news_test_token_0123456789',
};

const SEALED: Readonly<Record<string, string>> = Object.fromEntries(
  await Promise.all(Object.entries(BOT_TOKENS).map(async ([slug, token]) => [slug, await sealValue(TEST_RECIPIENT, token)] as const)),
);

/** A fleet tree as the schemas' input types, before defaults: what the YAML files hold. */
export interface FleetManifests {
  fleet: z.input<typeof FleetConfig>;
  catalog: Record<string, z.input<typeof CatalogEntry>>;
  hosts: Record<string, z.input<typeof HostManifest>>;
  tenants: Record<
    string,
    { tenant: z.input<typeof TenantManifest>; billing: z.input<typeof BillingManifest>; secrets?: z.input<typeof SealedSecrets> }
  >;
}

export interface FleetFixtureOptions {
  /** The clock the tree is built around: creation dates and paid periods. Default 2026-03-15T00:00:00Z. */
  readonly now?: string;
}

export const FIXTURE_NOW = '2026-03-15T00:00:00Z';
const DAY = 86_400_000;

/** `now` shifted by whole days, as the manifests write instants: `2026-03-15T00:00:00Z`. */
export function daysFrom(now: string, days: number): string {
  return new Date(Date.parse(now) + days * DAY).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The valid fleet as fresh, mutable objects (a new copy on every call). */
export function validFleetManifests(opts: FleetFixtureOptions = {}): FleetManifests {
  const now = opts.now ?? FIXTURE_NOW;
  const at = (days: number) => daysFrom(now, days);
  const usd = (amount: number) => ({ amount, currency: 'usd' });
  return {
    fleet: {
      name: 'acme-fleet',
      plans: {
        basic: { title: 'Basic', price: usd(500), placement: 'shared', maxModules: 3, stripePriceId: 'price_basic123' },
        pro: { title: 'Pro', price: usd(2000), placement: 'dedicated', size: 's-1vcpu-2gb' },
      },
      billing: { graceDays: 3, manualPayments: { enabled: true, instructions: 'Pay by bank transfer.' } },
      mergePolicy: { default: 'review', kinds: { 'module.update': 'auto', 'billing.record': 'auto' } },
      admins: [ADMIN_ID],
      secretsRecipient: TEST_RECIPIENT,
    },
    catalog: {
      core: {
        name: 'core',
        title: { en: 'Multi-bot', ru: 'Мультибот' },
        versions: {
          '1.0.0': { image: 'ghcr.io/acme/core:1.0.0', releasedAt: at(-90) },
          '1.1.0': { image: 'ghcr.io/acme/core:1.1.0', releasedAt: at(-30), notes: 'Faster menus.' },
        },
      },
      welcome: {
        name: 'welcome',
        title: { en: 'Welcome messages' },
        versions: { '1.0.0': { image: 'ghcr.io/acme/welcome:1.0.0', requires: { core: '>=1.1 <2' }, releasedAt: at(-20) } },
      },
    },
    hosts: {
      [SHARED_HOST]: { name: SHARED_HOST, region: 'fra1', size: 's-2vcpu-4gb', capacity: 20 },
    },
    tenants: {
      [SHARED_TENANT]: {
        tenant: {
          slug: SHARED_TENANT,
          displayName: 'Alpha Shop',
          owner: { telegramUserId: 200_001, username: 'alice_shop', language: 'en' },
          plan: 'basic',
          placement: { type: 'shared', host: SHARED_HOST },
          modules: {
            core: { version: '1.1.0', channel: 'auto' },
            welcome: { version: '1.0.0', config: { GREETING: 'Hello!', SHOW_MENU: true, DELAY_SECONDS: 2 } },
          },
          chats: [{ id: -1_001_234_567_890, type: 'supergroup', title: 'Alpha customers' }],
          createdAt: at(-10),
        },
        billing: {
          status: 'active',
          paidThrough: at(20),
          autoRenew: true,
          stripe: { customerId: 'cus_Alpha001', subscriptionId: 'sub_Alpha001' },
          periods: [{ id: 'in_alpha_0001', start: at(-10), end: at(20), source: 'stripe', amount: usd(500) }],
        },
        secrets: { values: { BOT_TOKEN: SEALED[SHARED_TENANT] ?? '' } },
      },
      [DEDICATED_TENANT]: {
        tenant: {
          slug: DEDICATED_TENANT,
          owner: { telegramUserId: 200_002 },
          plan: 'pro',
          placement: { type: 'dedicated', region: 'ams3', size: 's-1vcpu-2gb' },
          modules: { core: { version: '1.0.0' } },
          createdAt: at(-45),
        },
        billing: {
          status: 'active',
          paidThrough: at(15),
          periods: [
            { id: 'manual:bravo-1', start: at(-45), end: at(-15), source: 'manual', amount: usd(2000), approvedBy: ADMIN_ID },
            { id: 'in_bravo_0002', start: at(-15), end: at(15), source: 'stripe', amount: usd(2000) },
          ],
        },
        secrets: { values: { BOT_TOKEN: SEALED[DEDICATED_TENANT] ?? '' } },
      },
    },
  };
}

/** Writes manifests as a fleet tree: repo path → YAML text (`yaml`'s stringify). */
export function fleetFiles(m: FleetManifests): Map<string, string> {
  const files = new Map<string, string>([[FLEET_FILE, stringify(m.fleet)]]);
  for (const [name, entry] of Object.entries(m.catalog)) files.set(catalogFile(name), stringify(entry));
  for (const [name, host] of Object.entries(m.hosts)) files.set(hostFile(name), stringify(host));
  for (const [slug, t] of Object.entries(m.tenants)) {
    files.set(tenantFile(slug), stringify(t.tenant));
    files.set(billingFile(slug), stringify(t.billing));
    if (t.secrets) files.set(secretsFile(slug), stringify(t.secrets));
  }
  return files;
}

/** The valid fleet tree as files: `fleetFiles(validFleetManifests(opts))`. */
export function validFleetFiles(opts: FleetFixtureOptions = {}): Map<string, string> {
  return fleetFiles(validFleetManifests(opts));
}

/** 1-based line of the first occurrence of `needle` in `text`, to check where an issue points. */
export function lineNumberOf(text: string | undefined, needle: string): number {
  const at = text?.indexOf(needle) ?? -1;
  if (text === undefined || at < 0) throw new Error(`"${needle}" is not in the text`);
  return text.slice(0, at).split('\n').length;
}

/** A snapshot as the tree reader returns it; `refused` maps a path to why it was not read. */
export function snapshot(files: FleetFiles, refused: Iterable<[string, string]> = []): FleetSnapshot {
  return { files: new Map(files), refused: new Map(refused) };
}

/** The files as git lists and reads them for a cached load (`ManifestCache.load`): each blob named by its git sha. */
export function treeOf(files: ReadonlyMap<string, string>): { listing: TreeListing; texts: Map<string, string> } {
  const texts = new Map<string, string>();
  const blobs = [...files].map(([path, text]) => {
    const sha = gitBlobSha(text);
    texts.set(sha, text);
    return { path, sha };
  });
  return { listing: { blobs, refused: new Map() }, texts };
}
