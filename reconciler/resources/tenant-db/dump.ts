import { spawn } from 'node:child_process';
import type { ServerAddress, TlsMode, Login } from './connection.js';
import { scrub, TenantDumpError } from './errors.js';

/** What pg_dump is run with: argv carries no secret, the environment carries the password. */
export interface DumpCommand {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string>>;
}

/**
 * `pg_dump -Fc` of one database, as data. The password goes in PGPASSWORD, never in argv (argv
 * is visible to every user of the machine in `ps`); `--no-password` makes a wrong one fail at
 * once instead of waiting for a prompt.
 */
export function dumpCommand(pgDump: string, address: ServerAddress, login: Login, tls: TlsMode): DumpCommand {
  return {
    argv: [pgDump, '--format=custom', '--no-password', `--host=${address.host}`, `--port=${address.port}`, `--username=${login.user}`, `--dbname=${login.database}`],
    env: { PGPASSWORD: login.password, PGSSLMODE: tls, PGCONNECT_TIMEOUT: '10' },
  };
}

const STDERR_LIMIT = 4000;

/**
 * Runs the dump and yields its stdout as it comes, so a large database is never held in
 * memory. Ends by throwing `TenantDumpError` (with the end of stderr) if pg_dump exits non-zero;
 * a consumer that stops early kills pg_dump.
 */
export async function* runDump(tenant: string, command: DumpCommand): AsyncGenerator<Uint8Array> {
  const [file, ...args] = command.argv;
  if (file === undefined) throw new TypeError('empty pg_dump command');
  const child = spawn(file, args, { env: { ...process.env, ...command.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_LIMIT);
  });
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve(code));
  });
  // Attached now, so a spawn failure (ENOENT) is not an unhandled rejection while we stream.
  exited.catch(() => undefined);
  let finished = false;
  try {
    for await (const chunk of child.stdout) yield chunk as Uint8Array;
    const code = await exited;
    finished = true;
    if (code !== 0) throw new TenantDumpError(tenant, code, scrub(stderr, [command.env.PGPASSWORD ?? '']));
  } catch (error) {
    if (error instanceof TenantDumpError) throw error;
    const detail = error instanceof Error ? error.message : String(error);
    throw new TenantDumpError(tenant, null, scrub(`${detail}\n${stderr}`, [command.env.PGPASSWORD ?? '']));
  } finally {
    if (!finished && child.exitCode === null) child.kill('SIGTERM');
  }
}
