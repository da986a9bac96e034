import { z } from 'zod';
import { EnvKey, ModuleName, SemVer } from './common.js';

/** Where one environment variable of a module's container gets its value. */
export const EnvSource = z.discriminatedUnion('from', [
  /** A key of the tenant's per-module config (tenant.yaml). */
  z.strictObject({ from: z.literal('config'), key: EnvKey, default: z.string().optional() }),
  /** A key of the tenant's sealed secrets (secrets.age), decrypted only when the stack is written. */
  z.strictObject({ from: z.literal('secret'), key: EnvKey }),
  /** The tenant database URL, with its derived password. */
  z.strictObject({ from: z.literal('database') }),
  /** The tenant's chats, as JSON. */
  z.strictObject({ from: z.literal('chats') }),
  /** The tenant owner's Telegram user id (tenant.yaml `owner.telegramUserId`): who may use the admin panel. */
  z.strictObject({ from: z.literal('owner') }),
  z.strictObject({ from: z.literal('value'), value: z.string().max(1000) }),
]);
export type EnvSource = z.infer<typeof EnvSource>;

/** A container command, argv style. */
export const Command = z.array(z.string().max(1000)).max(50);

/** A container health check: docker's test, how often, how many failures make it unhealthy. */
export const Healthcheck = z.strictObject({
  test: z.array(z.string().max(1000)).min(1).max(20),
  intervalSeconds: z.number().int().min(1).max(300).default(5),
  retries: z.number().int().min(1).max(100).default(12),
});

/**
 * What the reconciler needs to run one module version: its image, its environment, its health
 * check and its SQL migrations. Issue "modules" reads these from `modules/<name>/module.yaml`;
 * the reconciler only sees this shape.
 */
export const ModuleRuntime = z.strictObject({
  name: ModuleName,
  version: SemVer,
  image: z.string().min(1).max(255),
  command: Command.optional(),
  env: z.record(EnvKey, EnvSource).default({}),
  healthcheck: Healthcheck.optional(),
  /** Migration ids in the order they apply; the SQL is fetched when they are applied. */
  migrations: z.array(z.string().regex(/^[a-z0-9@._/-]{1,200}$/)).default([]),
});
export type ModuleRuntime = z.infer<typeof ModuleRuntime>;

/** Module runtimes by `name@version`. */
export type ModuleRuntimes = ReadonlyMap<string, ModuleRuntime>;
export const runtimeKey = (name: string, version: string) => `${name}@${version}`;

/** One SQL migration of a module version. */
export interface Migration {
  /** `<module>@<version>/<file>`: unique, and ordered within a module. */
  readonly id: string;
  readonly sql: string;
}
