import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { fastify, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';

/**
 * The control plane's HTTP server (DESIGN.md "Local mode and configuration"): fastify, with each
 * route group a plugin of its own, so a group's settings (the Stripe route's raw-body parser)
 * stay inside it, and the service adds groups by listing them.
 */

/** A route group: `/healthz` + `/readyz`, `/webhooks/stripe`, and the ones issue 7 adds. */
export interface RouteGroup {
  /** For logs: `health`, `stripe`. */
  readonly name: string;
  /** Adds the group's routes to its own encapsulated scope of the server. */
  register(scope: FastifyInstance): Promise<void> | void;
}

export interface HttpServerOptions {
  /** 0 picks a free port; the chosen one is in `url`. */
  readonly port: number;
  /** 0.0.0.0 by default: webhooks come from outside the machine. */
  readonly host?: string;
  readonly routes: readonly RouteGroup[];
  readonly log: Logger;
  /** Largest request body in bytes, for every route (groups may set a smaller one). */
  readonly bodyLimit?: number;
  /** Called once per answered request (the metrics' webhook latency). */
  readonly onResponse?: (timing: RequestTiming) => void;
}

/** One answered request: the route's pattern (`/webhooks/stripe`), never the URL with its query. */
export interface RequestTiming {
  /** The matched route's pattern, or `unmatched` for a 404 without a route. */
  readonly route: string;
  readonly method: string;
  readonly statusCode: number;
  readonly seconds: number;
}

export interface HttpServer {
  /** `http://localhost:<port>` (or the host it listens on, when that is a specific one). */
  readonly url: string;
  /** Stops taking connections and waits for the requests in flight. */
  close(): Promise<void>;
}

export const DEFAULT_BODY_LIMIT = 1024 * 1024;

/** Starts the server and resolves once it listens. */
export async function startHttpServer(opts: HttpServerOptions): Promise<HttpServer> {
  const app = fastify({
    loggerInstance: opts.log.child({ component: 'http' }, { serializers: { req: requestSummary } }),
    bodyLimit: opts.bodyLimit ?? DEFAULT_BODY_LIMIT,
    // Our own ids: a caller's X-Request-Id is not trusted into the logs.
    requestIdHeader: false,
    genReqId: () => randomUUID(),
    // A slow client may not hold a request open forever.
    requestTimeout: 30_000,
    // Idle keep-alive sockets would hold `close()` until they time out.
    forceCloseConnections: 'idle',
  });
  // The id in the answer too, so a caller's report can be matched to our log lines.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });
  // On the root before the groups register, so every group's routes inherit it.
  const onResponse = opts.onResponse;
  if (onResponse !== undefined) {
    app.addHook('onResponse', (request, reply, done) => {
      onResponse({ route: request.routeOptions.url ?? 'unmatched', method: request.method, statusCode: reply.statusCode, seconds: reply.elapsedTime / 1000 });
      done();
    });
  }
  for (const group of opts.routes) {
    await app.register(async (scope) => {
      await group.register(scope);
    });
  }
  try {
    await app.listen({ port: opts.port, host: opts.host ?? '0.0.0.0' });
  } catch (error) {
    await app.close();
    throw new HttpServerError(`cannot listen on port ${opts.port}: ${error instanceof Error ? error.message : String(error)}. Set PORT to a free port.`, { cause: error });
  }
  const address = app.server.address() as AddressInfo;
  const host = opts.host === undefined || opts.host === '0.0.0.0' || opts.host === '::' ? 'localhost' : opts.host;
  return { url: `http://${host}:${address.port}`, close: () => app.close() };
}

/** The port is taken, or the host is not this machine's. */
export class HttpServerError extends Error {
  override readonly name = 'HttpServerError';
}

/**
 * What a request log line says about the request: method and path. Never headers (signatures,
 * tokens), never the query (webhook secrets can travel there), never the body.
 */
function requestSummary(request: { readonly method?: string; readonly url?: string }): { method: string | undefined; path: string } {
  const url = request.url ?? '';
  const query = url.indexOf('?');
  return { method: request.method, path: query < 0 ? url : url.slice(0, query) };
}
