import { ConfigError } from '../app/config.js';
import { redactUrls } from '../fleet/repo/git/runner.js';

/** The command line asked for something that cannot be done as written: exit 2, like commander's own. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/**
 * The lines a failure prints: `buckfleet: <message>`, one per problem and never a stack trace.
 * Every error class here writes messages for people; an unexpected one is printed the same way,
 * with URL credentials stripped in case a library quoted a URL.
 */
export function errorLines(error: unknown): string[] {
  if (error instanceof ConfigError) return error.problems.map((p) => `buckfleet: ${p.variable}: ${p.message}`);
  const message = error instanceof Error ? error.message : String(error);
  const lines = redactUrls(message)
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  return [`buckfleet: ${lines.join(' ') || 'unknown error'}`];
}
