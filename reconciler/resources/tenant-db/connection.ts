/**
 * Where the tenant databases' server is and how to reach it. The admin URL is parsed once into
 * parts, and every connection is built from parts, never by handing pg a URL: pg lets a URL's
 * query (`sslmode=…`) override the `ssl` option given beside it, and the TLS choice here must
 * be the one that holds.
 */

export type TlsMode = 'require' | 'disable';

export interface ServerAddress {
  readonly host: string;
  readonly port: number;
  /** The admin role and its database (usually `postgres`). */
  readonly user: string;
  readonly password: string;
  readonly database: string;
}

/** Parses a `postgres://` or `postgresql://` admin URL. The error never quotes the URL. */
export function parseServerUrl(url: string): ServerAddress {
  if (!URL.canParse(url)) throw new TypeError('the tenant database admin URL does not parse (expected postgres://user:password@host:port/database)');
  const u = new URL(url);
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') throw new TypeError('the tenant database admin URL must start with postgres:// or postgresql://');
  if (u.hostname === '') throw new TypeError('the tenant database admin URL has no host (unix sockets are not supported)');
  return {
    host: u.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: u.port === '' ? 5432 : Number(u.port),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    database: u.pathname.length > 1 ? decodeURIComponent(u.pathname.slice(1)) : 'postgres',
  };
}

/** Loopback hosts need no TLS; anything else, a managed server included, gets it. */
export function isLocalHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export const defaultTls = (address: ServerAddress): TlsMode => (isLocalHost(address.host) ? 'disable' : 'require');

/** `host:port`, for messages: no user, no password. */
export const describeServer = (address: ServerAddress): string => `${address.host.includes(':') ? `[${address.host}]` : address.host}:${address.port}`;

export interface Login {
  readonly user: string;
  readonly password: string;
  readonly database: string;
}

/** pg client settings for a login on the server. `require` is libpq's: encrypted, certificate not checked. */
export function clientConfig(address: ServerAddress, tls: TlsMode, login: Login) {
  return {
    host: address.host,
    port: address.port,
    user: login.user,
    password: login.password,
    database: login.database,
    ssl: tls === 'require' ? { rejectUnauthorized: false } : false,
    connectionTimeoutMillis: 10_000,
  } as const;
}

/**
 * The URL a tenant's stack connects with. `host` is where the stacks reach the server, which
 * may differ from where the reconciler does (a private network address, a test host's gateway).
 */
export function tenantUrl(host: string, port: number, login: Login, tls: TlsMode): string {
  const h = host.includes(':') ? `[${host}]` : host;
  return `postgres://${encodeURIComponent(login.user)}:${encodeURIComponent(login.password)}@${h}:${port}/${encodeURIComponent(login.database)}?sslmode=${tls}`;
}
