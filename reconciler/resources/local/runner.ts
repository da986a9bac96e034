import { execa } from 'execa';
import type { RemoteCommand } from '../compose-stack/commands.js';
import { type HostOp, RemoteCommandError } from '../compose-stack/errors.js';
import { feed, type SshRunner, stderrTail } from '../compose-stack/ssh.js';

/**
 * Runs the compose-stack commands (compose-stack/commands.ts) on this machine instead of over
 * SSH: the same argv, started directly (no shell reads it, so nothing needs quoting), with the same
 * stdin contract (file contents and dumps on stdin, never in argv). DOCKER_HOST points docker and
 * compose at the local provider's engine when one is configured; otherwise the process's own
 * environment decides, as for any docker command typed here.
 */
export interface LocalRunnerOptions {
  /** BUCKFLEET_LOCAL_DOCKER_HOST; null: docker's own default (DOCKER_HOST of this process, or its socket). */
  readonly dockerHost: string | null;
  /** Whole-command limit, for commands that give none: `up` may pull images for minutes. */
  readonly timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 10 * 60_000;

/** How the engine is named in messages: which daemon, never anything secret (a URL's password is dropped). */
export function describeDockerHost(dockerHost: string | null): string {
  if (dockerHost === null) return 'local docker';
  try {
    const url = new URL(dockerHost);
    url.username = '';
    url.password = '';
    return `docker at ${url.toString()}`;
  } catch {
    return 'docker at (an unparsable DOCKER_HOST)';
  }
}

/** The child's environment: this process's, with DOCKER_HOST replaced when configured. */
export function runnerEnv(dockerHost: string | null): Record<string, string> {
  return dockerHost === null ? {} : { DOCKER_HOST: dockerHost };
}

export function localRunner(options: LocalRunnerOptions): SshRunner {
  const host = describeDockerHost(options.dockerHost);
  return {
    async run(_target, command: RemoteCommand, run) {
      const at: HostOp = { host, op: run.op, ...(run.project ? { project: run.project } : {}) };
      const [file, ...args] = command.argv;
      if (file === undefined) throw new Error(`${run.op}: empty command`);
      const streamed = typeof run.stdin === 'object';
      const subprocess = execa(file, args, {
        ...(typeof run.stdin === 'string' ? { input: run.stdin } : { stdin: streamed ? 'pipe' : 'ignore' }),
        reject: false,
        timeout: run.timeoutMs ?? options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        forceKillAfterDelay: 5_000,
        env: runnerEnv(options.dockerHost),
        stripFinalNewline: false,
      });
      const feeding = typeof run.stdin === 'object' ? feed(run.stdin, subprocess.stdin) : Promise.resolve(null);
      const [result, feedError] = await Promise.all([subprocess, feeding]);
      if (result.exitCode !== 0 || result.timedOut || result.failed) {
        // Not started at all (no docker-compose on PATH): execa's own message says which file.
        const stderr = result.exitCode === undefined && !result.timedOut ? `${result.shortMessage ?? `${file} could not be started`}\n` : result.stderr;
        throw new RemoteCommandError(at, result.timedOut ? null : (result.exitCode ?? null), stderrTail(stderr));
      }
      if (feedError !== null) throw feedError instanceof Error ? feedError : new Error(`${run.op}: the data source failed`, { cause: feedError });
      return { stdout: result.stdout, stderr: result.stderr };
    },
  };
}
