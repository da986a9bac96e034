import { z } from 'zod';
import {
  ArmoredAge,
  BillingStatus,
  CatalogEntry,
  Chat,
  ConfigValue,
  EnvKey,
  Instant,
  FailedInvoice,
  ModuleName,
  ModuleRelease,
  PaidPeriod,
  Placement,
  PlanName,
  Refund,
  SemVer,
  Slug,
  StripeSubscription,
  TelegramUserId,
  TenantOwner,
  UpdateChannel,
} from '../schema/index.js';

/** Who asked for a change; the PR says it in plain words. */
export const Actor = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('telegram'), userId: TelegramUserId, username: z.string().max(32).optional() }),
  z.strictObject({ type: z.literal('admin'), userId: TelegramUserId, username: z.string().max(32).optional() }),
  z.strictObject({ type: z.literal('stripe'), eventId: z.string().regex(/^evt_[A-Za-z0-9]+$/) }),
  z.strictObject({ type: z.literal('release'), tag: z.string().regex(/^[a-z][a-z0-9-]*@\d+\.\d+\.\d+[0-9A-Za-z.+-]*$/) }),
  z.strictObject({ type: z.literal('system'), component: z.string().regex(/^[a-z][a-z0-9-]{1,40}$/) }),
  z.strictObject({ type: z.literal('cli'), user: z.string().min(1).max(64) }),
]);
export type Actor = z.infer<typeof Actor>;

const base = {
  /** Idempotency key: the same id is the same change (one branch, one PR), however often submitted. */
  id: z.string().regex(/^[A-Za-z0-9_:.@-]{1,128}$/, { error: 'must be 1-128 characters of letters, digits and _:.@-' }),
  requestedBy: Actor,
  /** Why, in the requester's words or the system's (shown in the PR). */
  reason: z.string().max(500).optional(),
};

const ModuleChoice = z.strictObject({
  name: ModuleName,
  /** Latest released version when omitted. */
  version: SemVer.optional(),
  channel: UpdateChannel.optional(),
  config: z.record(EnvKey, ConfigValue).optional(),
});

/** Secrets arrive already sealed (age, armored): a change request never carries plaintext. */
const SecretValues = z.record(EnvKey, ArmoredAge);

/**
 * Billing facts to fold into billing.yaml (billing-merge.ts): each list is a set keyed by id, so
 * recording the same fact twice, or facts in another order, gives the same file.
 */
export const BillingRecordFields = z.strictObject({
  /** Paid periods to add; a period whose id is already recorded is ignored. */
  periods: z.array(PaidPeriod).max(100).optional(),
  /** Refunds by charge; a larger running total of the same charge replaces a smaller one. */
  refunds: z.array(Refund).max(100).optional(),
  /** Invoices whose payment failed; the earliest failure of an invoice is kept. */
  failedInvoices: z.array(FailedInvoice).max(100).optional(),
  /** What Stripe said about subscriptions; the latest report of each is kept. */
  subscriptions: z.array(StripeSubscription).max(10).optional(),
  /** An explicit status (admin, clock): `active` lifts a held status, the others hold until paid. */
  status: z.strictObject({ value: BillingStatus, reason: z.string().min(1).max(300) }).optional(),
  /** Only while no subscription is on file: with subscriptions, auto-renewal follows them. */
  autoRenew: z.boolean().optional(),
  /** Stripe ids without subscription facts (imports, admins); with subscriptions, the current one's ids are used. */
  stripe: z
    .strictObject({
      customerId: z.string().regex(/^cus_[A-Za-z0-9]+$/),
      subscriptionId: z.string().regex(/^sub_[A-Za-z0-9]+$/).optional(),
    })
    .optional(),
});
export type BillingRecordFields = z.infer<typeof BillingRecordFields>;

export const TenantCreate = z.strictObject({
  ...base,
  kind: z.literal('tenant.create'),
  slug: Slug,
  displayName: z.string().min(1).max(64).optional(),
  owner: TenantOwner,
  plan: PlanName,
  /** The plan's placement when omitted. */
  placement: Placement.optional(),
  /** `core` is added when missing. */
  modules: z.array(ModuleChoice).max(50).default([]),
  chats: z.array(Chat).max(100).default([]),
  secrets: SecretValues.default({}),
  billing: BillingRecordFields.default({}),
});

/** One tenant of a `tenant.import`: created as `tenant.create` would, with its billing history. */
export const ImportedTenant = z.strictObject({
  slug: Slug,
  displayName: z.string().min(1).max(64).optional(),
  owner: TenantOwner,
  plan: PlanName,
  /** When the customer first had the bot in the old system; the import's time when unknown. */
  createdAt: Instant.optional(),
  secrets: SecretValues.default({}),
  billing: BillingRecordFields.default({}),
});
export type ImportedTenant = z.infer<typeof ImportedTenant>;

/**
 * Many existing customers moved in at once (`buckfleet import mongo`): one PR an admin reviews
 * as a whole, instead of hundreds of tenant.create PRs. Always waits for an admin (policy.ts).
 */
export const TenantImport = z.strictObject({
  ...base,
  kind: z.literal('tenant.import'),
  /** Where the tenants come from, e.g. `mongo`: the PR's subject and branch name. */
  source: z.string().regex(/^[a-z][a-z0-9-]{1,30}$/),
  tenants: z
    .array(ImportedTenant)
    .min(1)
    .max(5_000)
    .refine((ts) => new Set(ts.map((t) => t.slug)).size === ts.length, { error: 'lists a tenant twice' }),
});

export const TenantUpdate = z.strictObject({
  ...base,
  kind: z.literal('tenant.update'),
  slug: Slug,
  displayName: z.string().min(1).max(64).optional(),
  plan: PlanName.optional(),
  chats: z.array(Chat).max(100).optional(),
  moduleConfig: z.strictObject({ module: ModuleName, config: z.record(EnvKey, ConfigValue) }).optional(),
  secrets: z.strictObject({ set: SecretValues.default({}), unset: z.array(EnvKey).max(64).default([]) }).optional(),
});

const slugOnly = <K extends 'tenant.suspend' | 'tenant.resume' | 'tenant.delete'>(kind: K) =>
  z.strictObject({ ...base, kind: z.literal(kind), slug: Slug });

export const ModuleInstallRequest = z.strictObject({
  ...base,
  kind: z.literal('module.install'),
  slug: Slug,
  module: ModuleName,
  version: SemVer.optional(),
  channel: UpdateChannel.optional(),
  config: z.record(EnvKey, ConfigValue).optional(),
});

export const ModuleRemoveRequest = z.strictObject({ ...base, kind: z.literal('module.remove'), slug: Slug, module: ModuleName });

/** One release for many tenants: an admin reviews one PR per release. */
export const ModuleUpdateRequest = z.strictObject({
  ...base,
  kind: z.literal('module.update'),
  module: ModuleName,
  version: SemVer,
  tenants: z.array(Slug).min(1).max(10_000),
});

/**
 * Records a released module version in `catalog/<module>.yaml` (run by `buckfleet release` on a
 * tag). The title and description create the catalog file for a module's first release; a
 * version already in the catalog is never rewritten, so the same release recorded twice is a no-op.
 */
export const ModuleReleaseRequest = z.strictObject({
  ...base,
  kind: z.literal('module.release'),
  module: ModuleName,
  version: SemVer,
  title: CatalogEntry.shape.title,
  description: CatalogEntry.shape.description,
  release: ModuleRelease,
});

export const BillingRecordRequest = z.strictObject({ ...base, kind: z.literal('billing.record'), slug: Slug, record: BillingRecordFields });

export const ChangeRequest = z.discriminatedUnion('kind', [
  TenantCreate,
  TenantImport,
  TenantUpdate,
  slugOnly('tenant.suspend'),
  slugOnly('tenant.resume'),
  slugOnly('tenant.delete'),
  ModuleInstallRequest,
  ModuleRemoveRequest,
  ModuleUpdateRequest,
  ModuleReleaseRequest,
  BillingRecordRequest,
]);
export type ChangeRequest = z.infer<typeof ChangeRequest>;
/** What callers build: defaults may be left out. */
export type ChangeRequestInput = z.input<typeof ChangeRequest>;
export type ChangeOf<K extends ChangeRequest['kind']> = Extract<ChangeRequest, { kind: K }>;
