import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { FleetConfig } from '../fleet/schema/index.js';
import { Secret } from '../fleet/secret.js';

/**
 * The configuration contract (DESIGN.md "Local mode and configuration"): one zod schema over
 * the environment, with the variable names and defaults of that table. Every service is off or
 * local until its variables are set, so an empty environment is a valid local setup.
 *
 * Secret-bearing values come back as `Secret`, and no error message quotes any value, so a
 * mistyped token cannot leak through a startup failure into a log.
 */

/** Where the fleet repo lives. */
export type FleetRepoLocation = { readonly kind: 'github'; readonly owner: string; readonly repo: string } | { readonly kind: 'path'; readonly path: string };

/** A database server, or the embedded PostgreSQL of local mode. */
export type DatabaseLocation = { readonly kind: 'url'; readonly url: Secret } | { readonly kind: 'embedded' };

/** A key file; `generated` ones may be created in BUCKFLEET_HOME, configured ones must exist. */
export interface KeyFile {
  readonly path: string;
  readonly origin: 'configured' | 'generated';
}

export interface Config {
  /** BUCKFLEET_HOME, as given: relative paths are relative to the working directory. */
  readonly home: string;
  readonly port: number;
  readonly database: DatabaseLocation;
  readonly tenantDatabase: DatabaseLocation;
  readonly fleetRepo: FleetRepoLocation;
  /** Set: webhooks (Telegram, and the GitHub and Stripe callbacks) point here. */
  readonly publicUrl: string | null;
  readonly github: { readonly token: Secret | null; readonly webhookSecret: Secret | null };
  readonly telegram: {
    readonly botToken: Secret | null;
    readonly webhookSecret: Secret | null;
    readonly apiRoot: string;
    readonly mode: 'webhook' | 'polling';
  };
  /** Added to fleet.yaml's `admins`. */
  readonly adminTelegramIds: readonly number[];
  /** Null: Stripe is off (manual payments only). */
  readonly stripe: {
    readonly secretKey: Secret;
    readonly webhookSecret: Secret;
    /** Stripe's API root (STRIPE_API_URL) when not Stripe's own: the tests' fake. */
    readonly apiUrl: string | null;
  } | null;
  readonly cloud: { readonly kind: 'digitalocean'; readonly token: Secret } | { readonly kind: 'local' };
  readonly sshPrivateKeyFile: KeyFile;
  readonly ageIdentityFile: KeyFile;
  /** Null: derived from the age identity. */
  readonly ageRecipient: string | null;
  /** How the reconciler runs stacks; defaults fit DigitalOcean droplets. */
  readonly reconciler: {
    /** DigitalOcean API root (DIGITALOCEAN_API_URL): a compatible endpoint, or the tests' fake. */
    readonly digitaloceanApiUrl: string | null;
    /** The modules folder (BUCKFLEET_MODULES_DIR): buckfleet's own `modules/` by default. */
    readonly modulesDir: string | null;
    /** `host` networking for stacks (BUCKFLEET_STACK_NETWORK), or compose's default bridge. */
    readonly stackNetwork: 'host' | 'bridge';
    /** `docker-compose` (v1) or `docker compose` (the v2 plugin) on hosts (BUCKFLEET_COMPOSE). */
    readonly composeCommand: readonly string[];
    /** Where stacks reach the tenant database server when not at TENANT_DATABASE_URL's host. */
    readonly tenantDbStackHost: string | null;
    /** buckfleet's folder on hosts (BUCKFLEET_HOST_DIR): stacks/ and backups/ under it. */
    readonly hostDir: string;
    /**
     * The docker engine the `local` provider deploys to (BUCKFLEET_LOCAL_DOCKER_HOST, a
     * DOCKER_HOST value); null: docker's own default. Only read without DIGITALOCEAN_TOKEN.
     */
    readonly localDockerHost: string | null;
    /** Test-only: the action kind or id after whose `started` journal entry the process kills itself. */
    readonly failpoint: string | null;
  };
}

/** One line per problem, each naming its variable; never a value. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly { readonly variable: string; readonly message: string }[]) {
    super(problems.map((p) => `${p.variable}: ${p.message}`).join('\n'));
  }
}

export const DEFAULT_HOME = '.buckfleet';
export const DEFAULT_TELEGRAM_API_ROOT = 'https://api.telegram.org';

/**
 * An empty variable counts as unset: `FOO=` in an env file or compose file usually means
 * "not configured", and treating it as a value would turn it into a confusing format error.
 */
const variable = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === '' ? undefined : v), schema);

/** Secrets copied from a dashboard often carry a trailing newline or space; say so, don't trim. */
const secretText = (what: string, pattern?: RegExp) =>
  z
    .string()
    .refine((v) => v.trim() === v, { error: 'has leading or trailing whitespace (a copied newline?)', abort: true })
    .refine((v) => pattern === undefined || pattern.test(v), { error: `must be ${what}` })
    .transform((v) => new Secret(v));

const postgresUrl = secretText('a postgres:// or postgresql:// URL', /^postgres(ql)?:\/\/\S+$/).refine((s) => URL.canParse(s.reveal()), {
  error: 'must be a postgres:// or postgresql:// URL',
});

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

/** `1,2, 3`: empty items (a trailing comma) are skipped, duplicates dropped. Ids are not secret. */
const telegramIds = z.string().transform((text, ctx) => {
  const ids: number[] = [];
  text.split(',').forEach((item, i) => {
    const id = item.trim();
    if (id === '') return;
    if (/^\d{1,16}$/.test(id) && Number(id) > 0 && Number(id) <= 2 ** 52) ids.push(Number(id));
    else ctx.addIssue({ code: 'custom', message: `item ${i + 1} is not a Telegram user id (a positive integer)` });
  });
  return [...new Set(ids)];
});

/** Same rule as fleet.yaml's `secretsRecipient`. */
const ageRecipient = FleetConfig.shape.secretsRecipient.unwrap();

/** FLEET_REPO when set; unset is filled in from BUCKFLEET_HOME once that is known. */
const fleetRepo = z.string().transform((value, ctx): FleetRepoLocation => {
  const location = parseFleetRepo(value);
  if (typeof location === 'string') {
    ctx.addIssue({ code: 'custom', message: location });
    return z.NEVER;
  }
  return location;
});

type Env = z.output<typeof EnvFields>;

const EnvFields = z.object({
  BUCKFLEET_HOME: variable(z.string().default(DEFAULT_HOME)),
  PORT: variable(
    z
      .string()
      .regex(/^\d{1,5}$/, { error: 'must be a TCP port number (0-65535; 0 picks a free one)' })
      .transform(Number)
      .refine((n) => n <= 65_535, { error: 'must be a TCP port number (0-65535; 0 picks a free one)' })
      .default(8080),
  ),
  DATABASE_URL: variable(postgresUrl.optional()),
  TENANT_DATABASE_URL: variable(postgresUrl.optional()),
  FLEET_REPO: variable(fleetRepo.optional()),
  GITHUB_TOKEN: variable(secretText('a GitHub token', /^\S+$/).optional()),
  GITHUB_WEBHOOK_SECRET: variable(secretText('a webhook secret').optional()),
  TELEGRAM_BOT_TOKEN: variable(secretText('a bot token from @BotFather (digits, ":", then letters)', /^\d+:[A-Za-z0-9_-]+$/).optional()),
  TELEGRAM_WEBHOOK_SECRET: variable(secretText('1-256 characters of A-Z, a-z, 0-9, "_" and "-" (Telegram\'s rule)', /^[A-Za-z0-9_-]{1,256}$/).optional()),
  PUBLIC_URL: variable(httpUrl.optional()),
  TELEGRAM_API_ROOT: variable(httpUrl.default(DEFAULT_TELEGRAM_API_ROOT)),
  ADMIN_TELEGRAM_IDS: variable(telegramIds.default([])),
  STRIPE_SECRET_KEY: variable(secretText('a Stripe secret or restricted key (sk_... or rk_...)', /^[sr]k_(test|live)_\S+$/).optional()),
  STRIPE_WEBHOOK_SECRET: variable(secretText('a Stripe webhook signing secret (whsec_...)', /^whsec_\S+$/).optional()),
  DIGITALOCEAN_TOKEN: variable(secretText('a DigitalOcean token', /^\S+$/).optional()),
  SSH_PRIVATE_KEY_FILE: variable(z.string().optional()),
  AGE_IDENTITY_FILE: variable(z.string().optional()),
  AGE_RECIPIENT: variable(ageRecipient.optional()),
  DIGITALOCEAN_API_URL: variable(httpUrl.optional()),
  STRIPE_API_URL: variable(httpUrl.optional()),
  BUCKFLEET_MODULES_DIR: variable(z.string().optional()),
  BUCKFLEET_STACK_NETWORK: variable(z.enum(['host', 'bridge'], { error: 'must be host or bridge' }).default('bridge')),
  BUCKFLEET_COMPOSE: variable(z.enum(['docker-compose', 'docker compose'], { error: 'must be "docker-compose" or "docker compose"' }).default('docker-compose')),
  BUCKFLEET_HOST_DIR: variable(z.string().regex(/^\/[A-Za-z0-9._/-]{0,200}$/, { error: 'must be an absolute path' }).default('/var/lib/buckfleet')),
  BUCKFLEET_LOCAL_DOCKER_HOST: variable(
    z.string().regex(/^(unix|tcp|ssh|npipe|fd):\/\/\S+$/, { error: 'must be a DOCKER_HOST value (unix:///path, tcp://host:port, ssh://user@host)' }).optional(),
  ),
  TENANT_DATABASE_STACK_HOST: variable(z.string().regex(/^[A-Za-z0-9.:-]{1,253}$/, { error: 'must be a host name or IP address' }).optional()),
  BUCKFLEET_FAILPOINT: variable(z.string().regex(/^[a-z0-9./@#:_-]{1,200}$/, { error: 'must be an action kind or id' }).optional()),
});

/**
 * Rules across variables. They run even when a variable failed on its own (`when`), so one run
 * reports every problem; they only ask whether a variable is set, which a failed one still is.
 */
function crossFieldRules(env: Env, ctx: z.RefinementCtx<Env>): void {
  const problem = (variable: keyof Env, message: string) => ctx.addIssue({ code: 'custom', path: [variable], message });
  if (typeof env.FLEET_REPO === 'object' && env.FLEET_REPO.kind === 'github' && !env.GITHUB_TOKEN) {
    problem('GITHUB_TOKEN', 'is required when FLEET_REPO names a GitHub repository');
  }
  if (env.STRIPE_SECRET_KEY && !env.STRIPE_WEBHOOK_SECRET) {
    problem('STRIPE_WEBHOOK_SECRET', 'is required with STRIPE_SECRET_KEY: payments are confirmed by signed webhooks');
  }
  if (env.STRIPE_WEBHOOK_SECRET && !env.STRIPE_SECRET_KEY) problem('STRIPE_SECRET_KEY', 'is required with STRIPE_WEBHOOK_SECRET');
  if (env.PUBLIC_URL && env.TELEGRAM_BOT_TOKEN && !env.TELEGRAM_WEBHOOK_SECRET) {
    problem('TELEGRAM_WEBHOOK_SECRET', 'is required in webhook mode (PUBLIC_URL is set), so that only Telegram can post updates');
  }
}

/** Only valid environments get here: the variables become the typed, grouped `Config`. */
function toConfig(env: Env): Config {
  const database: DatabaseLocation = env.DATABASE_URL ? { kind: 'url', url: env.DATABASE_URL } : { kind: 'embedded' };
  const keyFile = (configured: string | undefined, generated: string): KeyFile =>
    configured ? { path: configured, origin: 'configured' } : { path: join(env.BUCKFLEET_HOME, generated), origin: 'generated' };
  return {
    home: env.BUCKFLEET_HOME,
    port: env.PORT,
    database,
    tenantDatabase: env.TENANT_DATABASE_URL ? { kind: 'url', url: env.TENANT_DATABASE_URL } : database,
    fleetRepo: env.FLEET_REPO ?? { kind: 'path', path: join(env.BUCKFLEET_HOME, 'fleet.git') },
    publicUrl: env.PUBLIC_URL ?? null,
    github: { token: env.GITHUB_TOKEN ?? null, webhookSecret: env.GITHUB_WEBHOOK_SECRET ?? null },
    telegram: {
      botToken: env.TELEGRAM_BOT_TOKEN ?? null,
      webhookSecret: env.TELEGRAM_WEBHOOK_SECRET ?? null,
      apiRoot: env.TELEGRAM_API_ROOT,
      mode: env.PUBLIC_URL ? 'webhook' : 'polling',
    },
    adminTelegramIds: env.ADMIN_TELEGRAM_IDS,
    stripe: env.STRIPE_SECRET_KEY && env.STRIPE_WEBHOOK_SECRET ? { secretKey: env.STRIPE_SECRET_KEY, webhookSecret: env.STRIPE_WEBHOOK_SECRET, apiUrl: env.STRIPE_API_URL ?? null } : null,
    cloud: env.DIGITALOCEAN_TOKEN ? { kind: 'digitalocean', token: env.DIGITALOCEAN_TOKEN } : { kind: 'local' },
    sshPrivateKeyFile: keyFile(env.SSH_PRIVATE_KEY_FILE, 'keys/ssh_ed25519'),
    ageIdentityFile: keyFile(env.AGE_IDENTITY_FILE, 'keys/age-identity.txt'),
    ageRecipient: env.AGE_RECIPIENT ?? null,
    reconciler: {
      digitaloceanApiUrl: env.DIGITALOCEAN_API_URL ?? null,
      modulesDir: env.BUCKFLEET_MODULES_DIR ?? null,
      stackNetwork: env.BUCKFLEET_STACK_NETWORK,
      composeCommand: env.BUCKFLEET_COMPOSE.split(' '),
      tenantDbStackHost: env.TENANT_DATABASE_STACK_HOST ?? null,
      hostDir: env.BUCKFLEET_HOST_DIR,
      localDockerHost: env.BUCKFLEET_LOCAL_DOCKER_HOST ?? null,
      failpoint: env.BUCKFLEET_FAILPOINT ?? null,
    },
  };
}

/** The whole contract as one schema: the variables, the rules across them, the typed result. */
const EnvSchema = EnvFields.superRefine(crossFieldRules, { when: () => true }).transform(toConfig);

/** The names of the contract, in the order of DESIGN.md's table. */
export const CONFIG_VARIABLES = Object.keys(EnvFields.shape) as readonly (keyof Env)[];

/** Reads the configuration from an environment (normally `process.env`) or throws `ConfigError`. */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): Config {
  const result = EnvSchema.safeParse(env);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => ({
      variable: typeof issue.path[0] === 'string' ? issue.path[0] : '(environment)',
      message: issue.message,
    })),
  );
}

const GITHUB_REPO = /^([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))\/([A-Za-z0-9._-]{1,100})$/;

/**
 * A set FLEET_REPO: `owner/name` is a GitHub repository; a path or a `file://` URL is a local
 * git repo (bare or not). A relative path that looks like `owner/name` reads as GitHub, so write
 * `./fleet/repo` for that folder. Returns a problem description instead of a location when the
 * value is neither. (Unset means `<BUCKFLEET_HOME>/fleet.git`.)
 */
export function parseFleetRepo(value: string): FleetRepoLocation | string {
  const github = GITHUB_REPO.exec(value);
  if (github?.[1] !== undefined && github[2] !== undefined && github[2] !== '.' && github[2] !== '..') {
    return { kind: 'github', owner: github[1], repo: github[2] };
  }
  if (/^file:/i.test(value)) {
    if (!URL.canParse(value)) return 'is not a valid file:// URL';
    const url = new URL(value);
    if (url.host !== '' && url.host !== 'localhost') return 'must be a file:// URL on this machine (no host)';
    return { kind: 'path', path: fileURLToPath(url) };
  }
  // https://, ssh:// and scp-like user@host:path would be fetched, not opened: not supported here.
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value) || /^[^/]+@[^/:]+:/.test(value)) {
    return 'must be owner/name for GitHub, or a path or file:// URL of a local git repo (remote URLs are not supported)';
  }
  return { kind: 'path', path: value };
}
