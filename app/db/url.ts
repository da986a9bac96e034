/**
 * Database URLs carry passwords, so none is ever printed whole: messages and logs name a server
 * with `describeUrl`, which keeps user, host, port and database and drops the password and the
 * query (where `sslpassword` or `password` may hide). Same habit as Flux's sanitized errors.
 */

/** `postgres://user@host:port/db`, without password or query; a URL that does not parse says so. */
export function describeUrl(url: string): string {
  if (!URL.canParse(url)) return '(an unparsable database URL)';
  const u = new URL(url);
  const user = u.username ? `${u.username}@` : '';
  return `${u.protocol}//${user}${u.host}${u.pathname}`;
}

/** `url` with its database replaced: tests and admin code reach several databases of one server. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

/**
 * Replaces every occurrence of the given secrets in a text (a driver's message, a tool's stderr)
 * with `[REDACTED]`. A last line of defence: messages are built not to contain secrets in the
 * first place.
 */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length > 0) out = out.split(s).join('[REDACTED]');
  return out;
}
