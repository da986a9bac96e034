import { type FleetIssue, formatIssue } from '../fleet/load/errors.js';
import { type CliIo, println } from './io.js';

export const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * An invalid fleet, as `validate` and every command that loads a fleet print it: one
 * `FILE:LINE: FIELD: message` line per issue, in the loader's order (by file, line, field), then
 * the count. On stdout, like a linter's findings: they are the result, not a failure to run.
 */
export function printIssues(io: CliIo, issues: readonly FleetIssue[]): void {
  for (const issue of issues) println(io.stdout, formatIssue(issue));
  println(io.stdout, `fleet is invalid: ${plural(issues.length, 'problem')}`);
}
