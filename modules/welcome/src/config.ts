/**
 * welcome's configuration, from the environment module.yaml renders: the bot token (to send as
 * the tenant's bot), the tenant database (core's joins, welcome's greetings), the tenant's chats,
 * and the greeting the customer set. BUCKFLEET_MODULE_VERSION is baked into the image.
 */
export interface WelcomeConfig {
  readonly botToken: string;
  readonly databaseUrl: string;
  readonly chatIds: readonly number[];
  /** `{name}` is replaced by the new member's first name. */
  readonly greeting: string;
  readonly apiRoot: string;
  readonly port: number;
  readonly pollMs: number;
  readonly version: string;
}

/** Names each bad variable, never its value (a token, a password). */
export class WelcomeConfigError extends Error {
  override readonly name = 'WelcomeConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`invalid environment: ${problems.join('; ')}`);
  }
}

export function loadWelcomeConfig(env: NodeJS.ProcessEnv): WelcomeConfig {
  const problems: string[] = [];
  const read = (key: string, fallback?: string): string => {
    const value = env[key] === '' ? undefined : (env[key] ?? fallback);
    if (value === undefined) problems.push(`${key}: is not set`);
    return value ?? '';
  };
  const check = (key: string, ok: boolean, rule: string) => ok || problems.push(`${key}: ${rule}`);
  const botToken = read('BOT_TOKEN');
  const databaseUrl = read('DATABASE_URL');
  check('DATABASE_URL', databaseUrl === '' || /^postgres(ql)?:\/\//.test(databaseUrl), 'must be a postgres:// URL');
  const chatIds = parseChatIds(read('CHATS', '[]'));
  check('CHATS', chatIds !== null, 'must be a JSON array of chats with numeric ids');
  const greeting = read('GREETING', 'Welcome, {name}!');
  check('GREETING', greeting.length <= 4000, 'must be at most 4000 characters');
  const apiRoot = read('TELEGRAM_API_ROOT', 'https://api.telegram.org').replace(/\/+$/, '');
  check('TELEGRAM_API_ROOT', /^https?:\/\/\S+$/.test(apiRoot), 'must be an http(s) URL');
  const port = Number(read('PORT', '8081'));
  check('PORT', Number.isInteger(port) && port >= 0 && port <= 65535, 'must be a port number');
  const pollSeconds = Number(read('POLL_SECONDS', '2'));
  check('POLL_SECONDS', pollSeconds > 0 && pollSeconds <= 3600, 'must be a number of seconds (0 < s <= 3600)');
  if (problems.length > 0) throw new WelcomeConfigError(problems);
  return { botToken, databaseUrl, chatIds: chatIds ?? [], greeting, apiRoot, port, pollMs: pollSeconds * 1000, version: read('BUCKFLEET_MODULE_VERSION', '0.0.0-dev') };
}

/** `CHATS` as the reconciler renders `{ from: chats }`: `[{ "id": -100…, "type": …, "title": … }]`. */
function parseChatIds(text: string): number[] | null {
  try {
    const chats: unknown = JSON.parse(text);
    if (!Array.isArray(chats)) return null;
    const ids = chats.map((c: unknown) => (typeof c === 'object' && c !== null && 'id' in c && Number.isInteger(c.id) ? (c.id as number) : null));
    return ids.every((id) => id !== null) ? (ids) : null;
  } catch {
    return null;
  }
}
