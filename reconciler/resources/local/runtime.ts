import { posix } from 'node:path';
import type { HostRuntime, HostTarget, ObservedStack, StackFiles } from '../../ports.js';
import { listContainersCommand } from '../compose-stack/commands.js';
import { UnexpectedOutputError } from '../compose-stack/errors.js';
import { parseStacks } from '../compose-stack/observe.js';
import { SshHostRuntime } from '../compose-stack/runtime.js';
import type { SshRunner } from '../compose-stack/ssh.js';
import { containersUnder, hostStacksDir } from './stacks.js';
import { describeDockerHost, localRunner } from './runner.js';

/**
 * The `local` provider's HostRuntime: compose stacks on this machine's docker (or the engine
 * DOCKER_HOST names), no SSH. The file handling and compose commands are SshHostRuntime's own —
 * atomic writes, `up -d --remove-orphans`, `down` then label sweep — run by a local runner
 * instead of ssh, so local mode deploys exactly as production does. Each pseudo-host (a
 * LocalCloud record, named by the target's `address`) has its own stacks folder, and sees only the
 * containers started from it.
 */
export interface LocalHostRuntimeOptions {
  /** Absolute: `<stacksDir>/<host>/<project>/docker-compose.yml`. */
  readonly stacksDir: string;
  /** Absolute: database dumps of tenants removed from this machine. */
  readonly backupsDir: string;
  /** `['docker-compose']` (v1) by default; `['docker', 'compose']` for the v2 plugin. */
  readonly composeCommand?: readonly string[];
  /** BUCKFLEET_LOCAL_DOCKER_HOST; null: docker's own default. */
  readonly dockerHost: string | null;
  readonly stopTimeoutSeconds?: number;
  /** Replaces the local runner (tests of this class's own logic). */
  readonly runner?: SshRunner;
}

const LIST_TIMEOUT_MS = 60_000;

export class LocalHostRuntime implements HostRuntime {
  readonly #options: LocalHostRuntimeOptions;
  readonly #runner: SshRunner;
  /** One SshHostRuntime per pseudo-host: the stacks folder is part of its layout. */
  readonly #hosts = new Map<string, SshHostRuntime>();

  constructor(options: LocalHostRuntimeOptions) {
    if (!posix.isAbsolute(options.stacksDir) || !posix.isAbsolute(options.backupsDir)) {
      throw new Error('LocalHostRuntime: stacksDir and backupsDir must be absolute (compose records the folder a stack was started from)');
    }
    this.#options = options;
    this.#runner = options.runner ?? localRunner({ dockerHost: options.dockerHost });
  }

  #host(target: HostTarget): SshHostRuntime {
    const dir = hostStacksDir(this.#options.stacksDir, target.address);
    let runtime = this.#hosts.get(dir);
    if (!runtime) {
      runtime = new SshHostRuntime({
        // Never read: the runner below runs commands here, without ssh or a key.
        privateKeyFile: '/dev/null',
        ssh: this.#runner,
        stacksDir: dir,
        backupsDir: this.#options.backupsDir,
        ...(this.#options.composeCommand ? { composeCommand: this.#options.composeCommand } : {}),
        ...(this.#options.stopTimeoutSeconds !== undefined ? { stopTimeoutSeconds: this.#options.stopTimeoutSeconds } : {}),
      });
      this.#hosts.set(dir, runtime);
    }
    return runtime;
  }

  /** Docker answers: every pseudo-host is ready together, or none is. */
  ready(target: HostTarget): Promise<boolean> {
    return this.#host(target).ready(target);
  }

  /** The compose stacks started from this pseudo-host's folder, not those of the others on the same engine. */
  async listStacks(target: HostTarget): Promise<ObservedStack[]> {
    const op = 'list stacks';
    const dir = hostStacksDir(this.#options.stacksDir, target.address);
    const { stdout } = await this.#runner.run(target, listContainersCommand(), { op, timeoutMs: LIST_TIMEOUT_MS });
    try {
      let data: unknown;
      try {
        data = JSON.parse(stdout);
      } catch {
        // parseStacks words the problem.
        return parseStacks(stdout);
      }
      return parseStacks(JSON.stringify(containersUnder(data, dir)));
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      throw new UnexpectedOutputError({ host: describeDockerHost(this.#options.dockerHost), op }, detail);
    }
  }

  writeStack(target: HostTarget, files: StackFiles): Promise<void> {
    return this.#host(target).writeStack(target, files);
  }

  up(target: HostTarget, project: string): Promise<void> {
    return this.#host(target).up(target, project);
  }

  restart(target: HostTarget, project: string): Promise<void> {
    return this.#host(target).restart(target, project);
  }

  stop(target: HostTarget, project: string): Promise<void> {
    return this.#host(target).stop(target, project);
  }

  remove(target: HostTarget, project: string, opts: { volumes: boolean }): Promise<void> {
    return this.#host(target).remove(target, project, opts);
  }

  writeBackup(target: HostTarget, name: string, data: AsyncIterable<Uint8Array>): Promise<string> {
    return this.#host(target).writeBackup(target, name, data);
  }
}
