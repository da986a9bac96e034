import { redactUrls } from '../../../fleet/repo/git/runner.js';
import type { RouteGroup } from '../server.js';

/**
 * `GET /healthz` and `GET /readyz`, for the orchestrator (Docker's healthcheck, a load balancer).
 * Liveness says the process runs and answers, nothing more: restarting a process because its
 * database is down would not bring the database back. Readiness says whether it can do its
 * work now: every check passes within its time limit, else 503 naming the failing ones.
 */

/** One thing the service needs to work; throws (or takes too long) when it cannot have it. */
export interface ReadinessCheck {
  /** Named in the answer: `database`, `fleetRepo`. */
  readonly name: string;
  check(): Promise<void>;
}

export interface HealthOptions {
  readonly checks: readonly ReadinessCheck[];
  /** Per check; a hung database must not hang the probe. */
  readonly timeoutMs?: number;
}

type CheckResult = { readonly ok: true } | { readonly ok: false; readonly error: string };

export function healthRoutes(opts: HealthOptions): RouteGroup {
  const timeoutMs = opts.timeoutMs ?? 3_000;
  return {
    name: 'health',
    register(scope) {
      scope.get('/healthz', (_request, reply) => reply.send({ status: 'ok' }));
      scope.get('/readyz', async (request, reply) => {
        const results = await Promise.all(opts.checks.map(async (c) => [c.name, await runCheck(c, timeoutMs)] as const));
        const failing = results.filter(([, r]) => !r.ok).map(([name]) => name);
        if (failing.length > 0) request.log.warn({ failing }, 'not ready');
        return reply.code(failing.length === 0 ? 200 : 503).send({
          status: failing.length === 0 ? 'ready' : 'unready',
          failing,
          checks: Object.fromEntries(results),
        });
      });
    },
  };
}

async function runCheck(c: ReadinessCheck, timeoutMs: number): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([c.check(), late]);
    return { ok: true };
  } catch (error) {
    // The answer is public: URLs in driver messages lose their credentials and queries.
    return { ok: false, error: redactUrls(error instanceof Error ? error.message : String(error)).split('\n')[0] ?? 'failed' };
  } finally {
    clearTimeout(timer);
  }
}
