import { z } from 'zod';
import { ChangeKind, Money, PlanName, Region, Size, Slug, TelegramUserId } from './common.js';

export const Placement = z.enum(['shared', 'dedicated']);
export type PlacementType = z.infer<typeof Placement>;

export const Plan = z.strictObject({
  title: z.string().min(1).max(64),
  description: z.string().max(500).optional(),
  price: Money,
  interval: z.literal('month').default('month'),
  /** Stripe Price of the subscription; without it only manual payments are offered. */
  stripePriceId: z.string().regex(/^price_[A-Za-z0-9]+$/, { error: 'must be a Stripe price id (price_...)' }).optional(),
  placement: Placement.default('shared'),
  /** Droplet size for dedicated placement; fleet defaults otherwise. */
  size: Size.optional(),
  maxModules: z.number().int().min(1).max(50).default(10),
});
export type Plan = z.infer<typeof Plan>;

export const MergeMode = z.enum(['auto', 'review']);
export type MergeMode = z.infer<typeof MergeMode>;

export const MergePolicy = z
  .strictObject({
    default: MergeMode.default('review'),
    kinds: z.partialRecord(ChangeKind, MergeMode).default({}),
  })
  .refine((p) => p.kinds['tenant.delete'] !== 'auto', {
    error: 'tenant.delete is never merged automatically: set it to review or leave it out',
    path: ['kinds', 'tenant.delete'],
  });
export type MergePolicy = z.infer<typeof MergePolicy>;

export const BillingSettings = z.strictObject({
  graceDays: z.number().int().min(0).max(60).default(3),
  retentionDays: z.number().int().min(1).max(365).default(30),
  /** Days before paid-through on which the owner is reminded, when no renewal is scheduled. */
  reminderDays: z.array(z.number().int().min(1).max(60)).max(10).default([7, 3, 1]),
  manualPayments: z
    .strictObject({
      enabled: z.boolean().default(false),
      instructions: z.string().max(2000).optional(),
    })
    .default({ enabled: false }),
});

export const Rollout = z.strictObject({
  /** Tenants that get a release first: explicit slugs, or a percentage of the eligible tenants. */
  canary: z.union([z.array(Slug).max(1000), z.strictObject({ percent: z.number().int().min(1).max(100) })]).optional(),
  soakMinutes: z.number().int().min(0).max(10_080).default(30),
});

export const FleetConfig = z.strictObject({
  name: Slug,
  defaults: z
    .strictObject({
      region: Region.default('fra1'),
      size: Size.default('s-1vcpu-1gb'),
      /** Droplet image slug. */
      image: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,60}$/).default('ubuntu-24-04-x64'),
      /** Capacity (tenants) of a shared host that a change adds when every host is full. */
      hostCapacity: z.number().int().min(1).max(500).default(20),
      hostSize: Size.default('s-2vcpu-4gb'),
    })
    .default({ region: 'fra1', size: 's-1vcpu-1gb', image: 'ubuntu-24-04-x64', hostCapacity: 20, hostSize: 's-2vcpu-4gb' }),
  plans: z.record(PlanName, Plan).refine((p) => Object.keys(p).length > 0, { error: 'at least one plan is needed' }),
  billing: BillingSettings.default({ graceDays: 3, retentionDays: 30, reminderDays: [7, 3, 1], manualPayments: { enabled: false } }),
  mergePolicy: MergePolicy.default({ default: 'review', kinds: {} }),
  admins: z.array(TelegramUserId).max(100).default([]),
  /** A channel customers must join before they can buy, e.g. @acme_news. */
  requiredChannel: z.string().regex(/^@[A-Za-z][A-Za-z0-9_]{4,31}$/, { error: 'must be a channel username such as @acme_news' }).optional(),
  /** The age public key writers encrypt tenant secrets to (the reconciler holds the identity). */
  secretsRecipient: z.string().regex(/^age1[02-9ac-hj-np-z]{58}$/, { error: 'must be an age X25519 recipient (age1...)' }).optional(),
  rollout: Rollout.default({ soakMinutes: 30 }),
});
export type FleetConfig = z.infer<typeof FleetConfig>;
