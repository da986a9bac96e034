import { formatIssue, type FleetIssue } from './load/errors.js';
import { ChangeRejectedError } from './changes/types.js';

/** The change would leave the fleet invalid; nothing was written. */
export class ChangeInvalidError extends ChangeRejectedError {
  constructor(
    readonly issues: readonly FleetIssue[],
    context: { kind: string; id: string; slug?: string },
  ) {
    super('invalid', `the change would make the fleet invalid:\n${issues.map(formatIssue).join('\n')}`, context);
  }
}

/** main itself does not validate: no change can be built on it until a person fixes it. */
export class FleetBrokenError extends Error {
  override readonly name = 'FleetBrokenError';
  constructor(
    readonly revision: string,
    readonly issues: readonly FleetIssue[],
  ) {
    super(`main (${revision.slice(0, 12)}) is not a valid fleet:\n${issues.map(formatIssue).join('\n')}`);
  }
}

/** Other writers kept moving main; the change is intact and may be submitted again later. */
export class ContentionError extends Error {
  override readonly name = 'ContentionError';
  constructor(
    readonly attempts: number,
    readonly context: { kind: string; id: string },
  ) {
    super(`gave up after ${attempts} attempts: main kept moving under ${context.kind} ${context.id}`);
  }
}
