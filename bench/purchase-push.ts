import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { watch } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Webhooks } from '@octokit/webhooks';
import { MAIN } from '../fleet/repo/types.js';

const run = promisify(execFile);

/**
 * Plays GitHub for a local fleet repo: watches main and, the moment it moves, delivers a signed
 * `push` to the control plane's POST /webhooks/github, which kicks the reconciler loop. That is
 * how a production fleet repo (on GitHub) triggers a pass; a local repo has no push event and the
 * loop would notice main within its 5 s poll instead. Every head seen is kept with the time it
 * was first seen.
 *
 * It looks when git touches `refs/heads/` (an inotify watch: git moves a ref by renaming
 * `main.lock` onto `main`), and every `everyMs` besides, in case a ref move is ever written
 * elsewhere (packed-refs). It used to ask git every 20 ms: 50 git processes a second spawned by
 * the process that runs the control plane, whose every phase then shared the CPU with them.
 */
export interface MainWatcher {
  /** Heads of main in the order seen, with Date.now() when first seen. */
  readonly heads: readonly { readonly sha: string; readonly at: number }[];
  /** When main first held `tenants/<slug>/`, or null. Asks git once per head (cached). */
  committedAt(slug: string): Promise<number | null>;
  stop(): Promise<void>;
}

export function watchMain(opts: { gitDir: string; planeUrl: string; secret: string; everyMs?: number }): MainWatcher {
  const webhooks = new Webhooks({ secret: opts.secret });
  const heads: { sha: string; at: number }[] = [];
  const deliveries: Promise<void>[] = [];
  const tenantsAt = new Map<string, Promise<Set<string>>>();
  let stopped = false;
  const head = async () => (await run('git', ['-C', opts.gitDir, 'rev-parse', '--verify', '--quiet', `refs/heads/${MAIN}`])).stdout.trim();
  const push = async (sha: string) => {
    const body = JSON.stringify({ ref: `refs/heads/${MAIN}`, after: sha, repository: { full_name: 'bench/fleet' } });
    const response = await fetch(`${opts.planeUrl}/webhooks/github`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': randomBytes(8).toString('hex'), 'x-hub-signature-256': await webhooks.sign(body) },
      body,
    });
    if (response.status !== 200) throw new Error(`the push webhook answered ${response.status}: ${await response.text()}`);
  };
  let wake: (() => void) | null = null;
  let touched = true;
  const refs = watch(join(opts.gitDir, 'refs', 'heads'), () => {
    touched = true;
    wake?.();
  });
  const loop = (async () => {
    while (!stopped) {
      touched = false;
      const sha = await head();
      if (sha !== heads.at(-1)?.sha) {
        heads.push({ sha, at: Date.now() });
        // The first head is main before anything happened: nothing moved, nothing to push.
        if (heads.length > 1) deliveries.push(push(sha));
      }
      if (touched) continue;
      await new Promise<void>((r) => {
        const timer = setTimeout(r, opts.everyMs ?? 1_000);
        wake = () => {
          clearTimeout(timer);
          r();
        };
      });
      wake = null;
    }
  })();
  const tenantsOf = (sha: string) => {
    let found = tenantsAt.get(sha);
    if (found === undefined) {
      found = run('git', ['-C', opts.gitDir, 'ls-tree', '--name-only', sha, 'tenants/']).then((r) => new Set(r.stdout.split('\n').filter(Boolean).map((p) => p.slice('tenants/'.length))));
      tenantsAt.set(sha, found);
    }
    return found;
  };
  return {
    heads,
    async committedAt(slug) {
      for (const h of heads) if ((await tenantsOf(h.sha)).has(slug)) return h.at;
      return null;
    },
    async stop() {
      stopped = true;
      refs.close();
      wake?.();
      await loop;
      await Promise.all(deliveries);
    },
  };
}
