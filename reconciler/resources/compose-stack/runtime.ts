import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import type { HostRuntime, HostTarget, ObservedStack, StackFiles } from '../../ports.js';
import {
  COMPOSE_FILE,
  type ComposeLayout,
  type FileWrite,
  assertFileName,
  commitFileCommand,
  composeRestartCommand,
  composeStopCommand,
  composeUpCommand,
  discardTempCommand,
  dockerVersionCommand,
  listContainersCommand,
  removeStackCommand,
  stackPaths,
  uploadCommand,
} from './commands.js';
import { HostUnreachableError, RemoteCommandError, UnexpectedOutputError } from './errors.js';
import { parseStacks } from './observe.js';
import { type SshRunner, sshRunner } from './ssh.js';

/** Where buckfleet keeps its files on a production host. */
export const DEFAULT_BASE_DIR = '/var/lib/buckfleet';

export interface SshHostRuntimeOptions {
  /** The fleet's private key (SSH_PRIVATE_KEY_FILE). */
  readonly privateKeyFile: string;
  /** `['docker-compose']` (v1) by default; `['docker', 'compose']` for the v2 plugin. */
  readonly composeCommand?: readonly string[];
  /** Compose projects, one directory each. Default `/var/lib/buckfleet/stacks`. */
  readonly stacksDir?: string;
  /** Database dumps. Default `/var/lib/buckfleet/backups`. */
  readonly backupsDir?: string;
  /** Seconds between SIGTERM and SIGKILL when compose replaces, stops or removes a container; compose's default (10) when absent. */
  readonly stopTimeoutSeconds?: number;
  readonly connectTimeoutSeconds?: number;
  /** Limit for one remote command (an `up` that pulls images); 10 minutes by default. */
  readonly commandTimeoutMs?: number;
  /** Seconds a host's connection is kept for the next command (ssh.ts); 0 for a connection per command. */
  readonly reuseSeconds?: number;
  /** Replaces the ssh runner (tests of this class's own logic). */
  readonly ssh?: SshRunner;
}

/** Short limits for the quick questions, so a wedged docker does not hold a reconcile for minutes. */
const READY_TIMEOUT_MS = 30_000;
const LIST_TIMEOUT_MS = 60_000;

/**
 * HostRuntime over SSH: docker compose stacks under `<stacksDir>/<project>/`, one `ssh` per
 * operation, over a connection to the host kept open for a minute after its last command
 * (ssh.ts `reuseSeconds`): a reconcile's observe, upload, up and health polls pay one SSH
 * handshake between them, not one each. Files are written in two
 * steps, upload to a temp name then a size-checked rename, so a dropped connection can never leave
 * a truncated compose file or dump under the real name.
 */
export class SshHostRuntime implements HostRuntime {
  readonly #ssh: SshRunner;
  readonly #layout: ComposeLayout;
  readonly #backupsDir: string;

  constructor(options: SshHostRuntimeOptions) {
    this.#ssh =
      options.ssh ??
      sshRunner({
        privateKeyFile: options.privateKeyFile,
        ...(options.connectTimeoutSeconds !== undefined ? { connectTimeoutSeconds: options.connectTimeoutSeconds } : {}),
        ...(options.commandTimeoutMs !== undefined ? { timeoutMs: options.commandTimeoutMs } : {}),
        ...(options.reuseSeconds !== undefined ? { reuseSeconds: options.reuseSeconds } : {}),
      });
    this.#layout = {
      composeCommand: options.composeCommand ?? ['docker-compose'],
      stacksDir: options.stacksDir ?? posix.join(DEFAULT_BASE_DIR, 'stacks'),
      ...(options.stopTimeoutSeconds !== undefined ? { stopTimeoutSeconds: options.stopTimeoutSeconds } : {}),
    };
    this.#backupsDir = options.backupsDir ?? posix.join(DEFAULT_BASE_DIR, 'backups');
  }

  /**
   * False while the host does not answer (booting, cut off) or answers without a working docker
   * (cloud-init still installing it): both pass with time. A host key that is not the pinned one,
   * or a refused login, throws: waiting will not fix those.
   */
  async ready(target: HostTarget): Promise<boolean> {
    try {
      await this.#ssh.run(target, dockerVersionCommand(), { op: 'ready check', timeoutMs: READY_TIMEOUT_MS });
      return true;
    } catch (error) {
      if (error instanceof HostUnreachableError || error instanceof RemoteCommandError) return false;
      throw error;
    }
  }

  async listStacks(target: HostTarget): Promise<ObservedStack[]> {
    const op = 'list stacks';
    const { stdout } = await this.#ssh.run(target, listContainersCommand(), { op, timeoutMs: LIST_TIMEOUT_MS });
    try {
      return parseStacks(stdout);
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      throw new UnexpectedOutputError({ host: `${target.address}:${target.port}`, op }, detail);
    }
  }

  /** 0600: service environments, secrets included, are inline in the compose file (ports.ts StackFiles). */
  async writeStack(target: HostTarget, files: StackFiles): Promise<void> {
    const { dir } = stackPaths(this.#layout, files.project);
    await this.#writeFile(target, { dir, name: COMPOSE_FILE, mode: '0600', op: 'write stack', project: files.project }, files.compose);
  }

  async up(target: HostTarget, project: string): Promise<void> {
    await this.#ssh.run(target, composeUpCommand(this.#layout, project), { op: 'compose up', project });
  }

  async restart(target: HostTarget, project: string): Promise<void> {
    await this.#ssh.run(target, composeRestartCommand(this.#layout, project), { op: 'compose restart', project });
  }

  async stop(target: HostTarget, project: string): Promise<void> {
    await this.#ssh.run(target, composeStopCommand(this.#layout, project), { op: 'compose stop', project });
  }

  async remove(target: HostTarget, project: string, opts: { volumes: boolean }): Promise<void> {
    await this.#ssh.run(target, removeStackCommand(this.#layout, project, opts), { op: 'remove stack', project });
  }

  /** Streams `data` to `<backupsDir>/<name>` (0600) and returns that path. */
  async writeBackup(target: HostTarget, name: string, data: AsyncIterable<Uint8Array>): Promise<string> {
    assertFileName(name);
    await this.#writeFile(target, { dir: this.#backupsDir, name, mode: '0600', op: 'write backup' }, data);
    return posix.join(this.#backupsDir, name);
  }

  async #writeFile(
    target: HostTarget,
    file: { dir: string; name: string; mode: '0600' | '0644'; op: string; project?: string },
    data: string | AsyncIterable<Uint8Array>,
  ): Promise<void> {
    const write: FileWrite = { dir: file.dir, name: file.name, tempSuffix: randomBytes(8).toString('hex') };
    const context = { op: file.op, ...(file.project ? { project: file.project } : {}) };
    let bytes = typeof data === 'string' ? Buffer.byteLength(data) : 0;
    const stdin = typeof data === 'string' ? data : counted(data, (n) => (bytes += n));
    try {
      await this.#ssh.run(target, uploadCommand(write), { ...context, stdin });
      await this.#ssh.run(target, commitFileCommand(write, { mode: file.mode, bytes }), context);
    } catch (error) {
      await this.#ssh.run(target, discardTempCommand(write), { ...context, op: `${file.op} cleanup` }).catch(() => {
        // The first error is the one to report. The host is likely unreachable now; the next
        // upload of this name sweeps the temp file (uploadCommand).
      });
      throw error;
    }
  }
}

/** Passes chunks through, counting bytes: the commit checks the host got exactly as many. */
async function* counted(data: AsyncIterable<Uint8Array>, onChunk: (bytes: number) => void): AsyncIterable<Uint8Array> {
  for await (const chunk of data) {
    onChunk(chunk.byteLength);
    yield chunk;
  }
}
