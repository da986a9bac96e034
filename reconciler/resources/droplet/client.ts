// dots is imported by file, not through its root: the root also pulls in dots' authentication
// provider and streaming code, whose TypeScript sources fail this project's strict compiler
// options (dots ships .ts, not .d.ts, so they are compiled with ours). Kiota, on which dots is
// built and which it does not re-export, has its version pinned by package.json `overrides`.
import { createDigitalOceanClient, type DigitalOceanClient } from '@digitalocean/dots/src/dots/digitalOceanClient.js';
import type { AuthenticationProvider, RequestInformation } from '@microsoft/kiota-abstractions';
import { FetchRequestAdapter, HttpClient, MiddlewareFactory, RetryHandler } from '@microsoft/kiota-http-fetchlibrary';
import type { Secret } from '../../../fleet/secret.js';

export type { DigitalOceanClient } from '@digitalocean/dots/src/dots/digitalOceanClient.js';

/**
 * What dots' `DigitalOceanApiKeyAuthenticationProvider` does (a bearer token on every request),
 * holding the token as a `Secret` in a private field, so inspecting the client never prints it.
 */
class BearerToken implements AuthenticationProvider {
  readonly #token: Secret;

  constructor(token: Secret) {
    this.#token = token;
  }

  authenticateRequest(request: RequestInformation): Promise<void> {
    request.headers.add('Authorization', `Bearer ${this.#token.reveal()}`);
    request.headers.add('User-Agent', 'buckfleet');
    return Promise.resolve();
  }
}

export interface ClientOptions {
  readonly token: Secret;
  /** API root, DigitalOcean's own when absent. */
  readonly baseUrl?: string;
  /** Each request's time limit; past it fetch aborts and the call fails as unreachable. */
  readonly timeoutMs: number;
}

/**
 * The dots client with Kiota's default middleware minus its retry handler: a 429 or 5xx comes
 * back at once, as a typed error, and the reconciler's backoff decides what to do. A create is
 * thus never re-sent blindly; the next pass looks for the droplet by its tag first.
 */
export function dotsClient(opts: ClientOptions): DigitalOceanClient {
  const timedFetch = (url: string, init: RequestInit) => fetch(url, { ...init, signal: init.signal ?? AbortSignal.timeout(opts.timeoutMs) });
  const middlewares = MiddlewareFactory.getDefaultMiddlewares(timedFetch).filter((m) => !(m instanceof RetryHandler));
  const adapter = new FetchRequestAdapter(new BearerToken(opts.token), undefined, undefined, new HttpClient(undefined, ...middlewares));
  if (opts.baseUrl !== undefined) adapter.baseUrl = opts.baseUrl.replace(/\/+$/, '');
  return createDigitalOceanClient(adapter);
}
