/** Structured logs, one JSON object a line on stdout, which docker keeps. */
export interface Log {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/**
 * `redact`: the bot token and the database password. No log line is meant to carry them, but an
 * error from a library might quote a URL; every line is scrubbed before it is written.
 */
export function createLog(module: string, redact: readonly string[], write: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Log {
  const secrets = redact.filter((s) => s.length >= 4);
  const emit = (level: string, msg: string, fields: Record<string, unknown> = {}) => {
    let line = JSON.stringify({ time: new Date().toISOString(), level, module, msg, ...fields });
    for (const s of secrets) line = line.split(s).join('[REDACTED]');
    write(line);
  };
  return {
    debug: (msg, fields) => {
      if (process.env.LOG_LEVEL === 'debug') emit('debug', msg, fields);
    },
    info: (msg, fields) => emit('info', msg, fields),
    error: (msg, fields) => emit('error', msg, fields),
  };
}

/** The password of a postgres:// URL, to redact; '' when it has none. */
export function urlPassword(url: string): string {
  try {
    return decodeURIComponent(new URL(url).password);
  } catch {
    return '';
  }
}
