import { z } from 'zod';
import {
  EnvKey,
  HostName,
  Instant,
  Locale,
  ModuleName,
  PlanName,
  Region,
  SemVer,
  Size,
  Slug,
  TelegramChatId,
  TelegramUserId,
  TelegramUsername,
} from './common.js';

/** The module that is the multi-bot itself; every tenant runs it. */
export const CORE_MODULE = 'core';

export const UpdateChannel = z.enum(['auto', 'notify']).meta({
  description: 'auto: releases arrive as update PRs; notify: the owner is told and accepts in the bot',
});

/** Customer-set module config. Plain scalars only: values reach env files, never a shell. */
export const ConfigValue = z.union([z.string().max(1000), z.number().finite(), z.boolean()]);

export const ModuleInstall = z.strictObject({
  version: SemVer,
  channel: UpdateChannel.default('notify'),
  config: z.record(EnvKey, ConfigValue).default({}),
});
export type ModuleInstall = z.infer<typeof ModuleInstall>;

export const Chat = z.strictObject({
  id: TelegramChatId,
  type: z.enum(['group', 'supergroup', 'channel']),
  title: z.string().max(128).optional(),
});
export type Chat = z.infer<typeof Chat>;

export const TenantPlacement = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('dedicated'), region: Region, size: Size }),
  z.strictObject({ type: z.literal('shared'), host: HostName }),
]);
export type TenantPlacement = z.infer<typeof TenantPlacement>;

export const TenantOwner = z.strictObject({
  telegramUserId: TelegramUserId,
  username: TelegramUsername.optional(),
  language: Locale.optional(),
});

export const TenantManifest = z.strictObject({
  slug: Slug,
  displayName: z.string().min(1).max(64).optional(),
  owner: TenantOwner,
  plan: PlanName,
  placement: TenantPlacement,
  modules: z
    .record(ModuleName, ModuleInstall)
    .refine((m) => CORE_MODULE in m, { error: `must include the "${CORE_MODULE}" module (the multi-bot itself)` }),
  chats: z
    .array(Chat)
    .max(100)
    .default([])
    .refine((cs) => new Set(cs.map((c) => c.id)).size === cs.length, { error: 'lists a chat twice' }),
  createdAt: Instant,
});
export type TenantManifest = z.infer<typeof TenantManifest>;
