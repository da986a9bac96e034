import { z } from 'zod';

/**
 * core's configuration, all from the environment the reconciler renders from module.yaml
 * (BOT_TOKEN from secrets, DATABASE_URL from the tenant database, CHATS from the tenant's chats,
 * OWNER_ID from the tenant's owner) plus BUCKFLEET_MODULE_VERSION, baked into the image.
 */
export interface CoreConfig {
  readonly botToken: string;
  readonly databaseUrl: string;
  readonly ownerId: number;
  readonly chats: readonly ServedChat[];
  readonly apiRoot: string;
  readonly port: number;
  readonly version: string;
}

export interface ServedChat {
  readonly id: number;
  readonly type: 'group' | 'supergroup' | 'channel';
  readonly title?: string | undefined;
}

/** One problem per variable; never the value itself, which may be a token or a password. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`invalid environment: ${problems.join('; ')}`);
  }
}

/** Empty variables count as unset, as they do for buckfleet itself. */
const unsetIfEmpty = (v: unknown) => (v === '' ? undefined : v);
const opt = <T extends z.ZodType>(schema: T) => z.preprocess(unsetIfEmpty, schema);

export const ChatsJson = z.array(
  z.object({ id: z.number().int(), type: z.enum(['group', 'supergroup', 'channel']), title: z.string().optional() }),
);

/** `CHATS` as the reconciler renders `{ from: chats }`: a JSON array of the tenant's chats. */
const chats = z.string().transform((text, ctx) => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be a JSON array of chats' });
    return z.NEVER;
  }
  const r = ChatsJson.safeParse(parsed);
  if (!r.success) {
    ctx.addIssue({ code: 'custom', message: `must be a JSON array of {id, type, title?}: ${r.error.issues[0]?.message ?? 'invalid'}` });
    return z.NEVER;
  }
  return r.data;
});

/** The error of a required variable: "is not set" when missing, else the rule it breaks. */
const set = (rule: string) => ({ error: (issue: { input?: unknown }) => (issue.input === undefined ? 'is not set' : rule) });
const OWNER_RULE = "must be the owner's Telegram user id";

const Env = z.object({
  BOT_TOKEN: opt(z.string(set('must be a bot token')).regex(/^\S+$/, { error: 'must be a bot token without spaces' })),
  DATABASE_URL: opt(z.string(set('must be a postgres:// URL')).regex(/^postgres(ql)?:\/\//, { error: 'must be a postgres:// URL' })),
  OWNER_ID: opt(z.string(set(OWNER_RULE)).regex(/^[1-9]\d{0,15}$/, { error: OWNER_RULE }).transform(Number)),
  CHATS: opt(chats.default([])),
  TELEGRAM_API_ROOT: opt(z.url({ protocol: /^https?$/ }).default('https://api.telegram.org')),
  // 0: any free port (tests); the health check then cannot find it, so containers set one.
  PORT: opt(z.coerce.number().int().min(0).max(65535).default(8080)),
  BUCKFLEET_MODULE_VERSION: opt(z.string().regex(/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/).default('0.0.0-dev')),
});

export function loadConfig(env: NodeJS.ProcessEnv): CoreConfig {
  const parsed = Env.safeParse(env);
  // zod's messages name the rule, never the input, so they are safe to print.
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  const e = parsed.data;
  return {
    botToken: e.BOT_TOKEN,
    databaseUrl: e.DATABASE_URL,
    ownerId: e.OWNER_ID,
    chats: e.CHATS,
    apiRoot: e.TELEGRAM_API_ROOT.replace(/\/+$/, ''),
    port: e.PORT,
    version: e.BUCKFLEET_MODULE_VERSION,
  };
}

/** Whether `version` is at least `major.minor`: features follow the schema of the version. */
export function atLeast(version: string, major: number, minor: number): boolean {
  const [ma = 0, mi = 0] = version.split('.').map(Number);
  return ma > major || (ma === major && mi >= minor);
}
