import { execa } from 'execa';
import { describeDockerHost, runnerEnv } from './runner.js';

/**
 * Whether the local provider can deploy here: `docker` and the compose command are on PATH and the
 * engine answers. Asked once when the reconciler starts in local mode, so that a machine without
 * docker gets one clear sentence instead of hosts that "never finish booting".
 */
export type DockerAvailability = { readonly ok: true; readonly serverVersion: string } | { readonly ok: false; readonly reason: string };

export interface ProbeOptions {
  readonly dockerHost: string | null;
  readonly composeCommand: readonly string[];
  readonly timeoutMs?: number;
}

/** The outcome of one command, as the probe needs it: pure input of `availability`. */
export interface ProbeRun {
  /** Null: the program could not be started (not on PATH). */
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Decides from the two answers (`docker version`, `<compose> version`); pure. */
export function availability(docker: ProbeRun, compose: ProbeRun, opts: { dockerHost: string | null; composeCommand: readonly string[] }): DockerAvailability {
  const engine = describeDockerHost(opts.dockerHost);
  if (docker.exitCode === null) return { ok: false, reason: 'docker is not installed (no `docker` on PATH)' };
  if (docker.exitCode !== 0 || docker.stdout.trim() === '') {
    const said = lastLine(docker.stderr);
    return { ok: false, reason: `${engine} does not answer${said ? `: ${said}` : ''}` };
  }
  const composeName = opts.composeCommand.join(' ');
  if (compose.exitCode === null) return { ok: false, reason: `${composeName} is not installed (not on PATH; BUCKFLEET_COMPOSE picks "docker-compose" or "docker compose")` };
  if (compose.exitCode !== 0) return { ok: false, reason: `${composeName} does not work${lastLine(compose.stderr) ? `: ${lastLine(compose.stderr)}` : ''}` };
  return { ok: true, serverVersion: docker.stdout.trim() };
}

function lastLine(text: string): string {
  return (
    text
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '')
      .at(-1) ?? ''
  ).slice(0, 300);
}

export async function probeDocker(opts: ProbeOptions): Promise<DockerAvailability> {
  const run = async (file: string, args: readonly string[]): Promise<ProbeRun> => {
    const r = await execa(file, args, { reject: false, timeout: opts.timeoutMs ?? 15_000, env: runnerEnv(opts.dockerHost), stdin: 'ignore' });
    const started = r.exitCode !== undefined || r.timedOut;
    return { exitCode: started ? (r.exitCode ?? -1) : null, stdout: String(r.stdout), stderr: r.timedOut ? 'timed out' : String(r.stderr) };
  };
  const docker = await run('docker', ['version', '--format', '{{.Server.Version}}']);
  const [composeFile, ...composeArgs] = opts.composeCommand;
  const compose = composeFile === undefined ? { exitCode: null, stdout: '', stderr: '' } : await run(composeFile, [...composeArgs, 'version']);
  return availability(docker, compose, opts);
}
