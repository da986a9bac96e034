import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface UpProcess {
  readonly child: ChildProcess;
  readonly url: string;
  /** stdout lines so far. */
  readonly out: string[];
  /** stderr so far (the service's log at LOG_LEVEL=warn). */
  stderr(): string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * `buckfleet up [args]` as its own process, from sources, with exactly `env` (plus PATH and
 * LOG_LEVEL=warn); resolves once it prints its URL, rejects when it exits first or prints none in
 * 60 s. Killed at the end of the test if still running.
 */
export async function spawnUp(ctx: TestContext, env: Record<string, string>, args: readonly string[] = []): Promise<UpProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'cli/entry.ts', 'up', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  ctx.onTestFinished(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  });
  const out: string[] = [];
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`buckfleet up printed no URL in 60 s; stderr:\n${stderr}`)), 60_000);
    createInterface({ input: child.stdout }).on('line', (line) => {
      out.push(line);
      const match = /^buckfleet control plane on (http:\/\/\S+)$/.exec(line);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    void exited.then(({ code }) => reject(new Error(`buckfleet up exited (${code}) before it was up; stderr:\n${stderr}`)));
  });
  return { child, url, out, stderr: () => stderr, exited };
}
