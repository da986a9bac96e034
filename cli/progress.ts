import { Listr, ListrLogger, ListrLogLevels, type ListrTask, ProcessOutput } from 'listr2';
import type { Log } from '../fleet/log.js';
import type { CliIo } from './io.js';

/**
 * Progress of long commands (reconcile --once, release) with listr2. On a terminal: listr2's
 * default renderer, redrawn in place. Elsewhere (CI logs, pipes, the tests' captured io): its
 * simple renderer, one plain line per event, uncoloured, on the command's stdout ahead of the
 * result lines, so a log reads top to bottom.
 */
export function progressList<Ctx extends object>(io: CliIo, tasks: ListrTask<Ctx>[]): Listr<Ctx> {
  const tty = 'isTTY' in io.stdout && io.stdout.isTTY === true && io.env.CI !== 'true';
  return new Listr<Ctx>(tasks, {
    exitOnError: true,
    // The commands handle SIGTERM/SIGINT themselves (the reconcile service stops cleanly).
    registerSignalListeners: false,
    rendererOptions: { collapseSubtasks: false, showErrorMessage: true },
    fallbackRenderer: 'simple',
    fallbackRendererCondition: !tty,
    fallbackRendererOptions: { logger: new ListrLogger({ processOutput: new IoOutput(io), useIcons: true }), color: PLAIN },
  });
}

/** No colour codes in plain output: a CI log or a test reads the words. */
const PLAIN = Object.fromEntries(Object.values(ListrLogLevels).map((level) => [level, (text?: string) => text ?? ''])) as Partial<Record<ListrLogLevels, (text?: string) => string>>;

/** listr2's output, into the command's io rather than the process's streams. */
class IoOutput extends ProcessOutput {
  constructor(private readonly io: CliIo) {
    super();
  }

  override toStdout(buffer: string, eol = true): boolean {
    this.io.stdout.write(`${buffer}${eol ? '\n' : ''}`);
    return true;
  }

  // Failures are on the progress's own line; the command's `buckfleet: ...` error lines stay alone on stderr.
  override toStderr(buffer: string, eol = true): boolean {
    return this.toStdout(buffer, eol);
  }
}

/**
 * A Log whose info messages become a task's output lines: what a library reports as it goes.
 * Only the message and a few known-harmless fields are shown, never arbitrary structured fields.
 */
export function taskLog(report: (line: string) => void, fallback?: Log): Log {
  const line = (fields: object, message: string) => {
    const f = fields as { kind?: unknown; pr?: unknown; slug?: unknown };
    const about = [typeof f.kind === 'string' ? f.kind : null, typeof f.slug === 'string' ? f.slug : null, typeof f.pr === 'number' ? `PR #${f.pr}` : null].filter((s) => s !== null);
    return about.length > 0 ? `${message} (${about.join(', ')})` : message;
  };
  return {
    info: (fields, message) => {
      report(line(fields, message));
      fallback?.info(fields, message);
    },
    warn: (fields, message) => {
      report(`warning: ${line(fields, message)}`);
      fallback?.warn(fields, message);
    },
  };
}
