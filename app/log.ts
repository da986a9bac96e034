import { pino, type Logger } from 'pino';

/**
 * The process logger: structured JSON lines on stderr (stdout is for command output), with the
 * usual places secrets hide redacted as a second line of defence; the first is that secrets
 * travel as `Secret`, which prints `[REDACTED]`.
 */
export function processLog(level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino(
    {
      level,
      base: { service: 'buckfleet' },
      redact: { paths: ['*.password', '*.token', '*.secret', '*.privateKey', '*.authorization', 'password', 'token', 'secret'], censor: '[REDACTED]' },
    },
    pino.destination(2),
  );
}
