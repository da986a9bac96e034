/**
 * What one `buckfleet up` process runs (`--roles`). A small fleet runs everything in one
 * process; a large one runs several reconciler processes and one bot. The processes share
 * nothing but PostgreSQL (advisory locks per owner, `FOR UPDATE SKIP LOCKED` queues), so any
 * split of roles over processes is safe, including the same role twice.
 */
export const ROLES = ['http', 'bot', 'reconciler', 'outbox', 'billing', 'rollouts'] as const;
export type Role = (typeof ROLES)[number];

/** What each role runs, for `--help` and the README. */
export const ROLE_SUMMARY: Readonly<Record<Role, string>> = {
  http: 'the HTTP server: /healthz, /readyz, the Stripe, GitHub and (in webhook mode) Telegram webhooks, /metrics',
  bot: 'the Telegram bot (long polling, or the webhook handler with http)',
  reconciler: 'the reconciler loop and the operations worker (restarts asked for in the bot)',
  outbox: 'the outbox sender (notifications to Telegram)',
  billing: 'the Stripe inbox and the billing clock (reminders, suspensions)',
  rollouts: 'the rollout worker (staged module releases)',
};

/** A `--roles` value buckfleet cannot run: the message names what is wrong. */
export class RolesError extends Error {
  override readonly name = 'RolesError';
}

/**
 * `http,bot, reconciler` → the set of roles; undefined → all of them. Empty items (a trailing
 * comma) are skipped; an unknown name is refused, naming it and the known ones.
 */
export function parseRoles(text: string | undefined): ReadonlySet<Role> {
  if (text === undefined) return new Set(ROLES);
  const names = text
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n !== '');
  const unknown = names.filter((n) => !isRole(n));
  if (unknown.length > 0) {
    const listed = unknown.map((n) => JSON.stringify(n)).join(', ');
    throw new RolesError(`--roles: unknown role${unknown.length > 1 ? 's' : ''} ${listed} (the roles are ${ROLES.join(', ')})`);
  }
  if (names.length === 0) throw new RolesError(`--roles names no role (the roles are ${ROLES.join(', ')})`);
  return new Set(names.filter(isRole));
}

function isRole(name: string): name is Role {
  return (ROLES as readonly string[]).includes(name);
}

/**
 * Combinations that cannot work with this configuration. The only one: a bot in webhook mode
 * receives its updates over HTTP, so it needs the http role in the same process.
 */
export function rolesProblem(roles: ReadonlySet<Role>, telegram: { readonly mode: 'webhook' | 'polling'; readonly botTokenSet: boolean }): string | null {
  if (roles.has('bot') && !roles.has('http') && telegram.mode === 'webhook' && telegram.botTokenSet) {
    return '--roles: the bot in webhook mode (PUBLIC_URL is set) receives updates on POST /webhooks/telegram: add http to this process\'s roles';
  }
  return null;
}
