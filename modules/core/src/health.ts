import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A dependency the bot cannot work without; throws when it does not answer. */
export type Check = (signal: AbortSignal) => Promise<void>;

export interface HealthServer {
  readonly port: number;
  close(): Promise<void>;
}

const CHECK_TIMEOUT_MS = 3000;

/**
 * GET /healthz: 200 `{ok: true, version}` when every check passes within 3 s, else 503 naming the
 * failing checks (by name only: an error text could carry a connection string). The container's
 * health check (module.yaml) and the reconciler's health gate read it.
 */
export async function serveHealth(opts: { port: number; host?: string; version: string; checks: Record<string, Check> }): Promise<HealthServer> {
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== '/healthz') {
      res.writeHead(404).end();
      return;
    }
    void runChecks(opts.checks).then((failing) => {
      res.writeHead(failing.length === 0 ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify(failing.length === 0 ? { ok: true, version: opts.version } : { ok: false, version: opts.version, failing }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '0.0.0.0', resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function runChecks(checks: Record<string, Check>): Promise<string[]> {
  const results = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      const signal = AbortSignal.timeout(CHECK_TIMEOUT_MS);
      // A check that ignores the signal (pg has no cancel) still loses the race at the timeout.
      const timedOut = new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(new Error('timed out')), { once: true }));
      try {
        await Promise.race([check(signal), timedOut]);
        return null;
      } catch {
        return name;
      }
    }),
  );
  return results.filter((n): n is string => n !== null);
}

/**
 * `node index.cjs healthcheck`: the image's health check, so it needs nothing but node (the test
 * image has no curl or wget). Exit 0 when /healthz answers 200.
 */
export async function probe(port: number): Promise<number> {
  try {
    const r = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(5000) });
    return r.status === 200 ? 0 : 1;
  } catch {
    return 1;
  }
}

/** Passes while `fn` succeeded less than `ms` ago: Telegram is not asked on every probe. */
export function cached(fn: Check, ms: number, now: () => number = Date.now): Check {
  let okUntil = 0;
  return async (signal) => {
    if (now() < okUntil) return;
    await fn(signal);
    okUntil = now() + ms;
  };
}
