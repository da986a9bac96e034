import type { FileEdit } from '../repo/types.js';

/** A change request turned into git: what to write, and what to tell reviewers. */
export interface ChangePlan {
  readonly edits: readonly FileEdit[];
  /** Conventional commit message. */
  readonly message: string;
  readonly title: string;
  readonly body: string;
  /** At least the change kind, e.g. `tenant.create`. */
  readonly labels: readonly string[];
  /** `bf/<kind>/<subject>-<hash of id>`: the same request always lands on the same branch. */
  readonly branch: string;
}

export type RejectReason = 'not_found' | 'exists' | 'invalid' | 'forbidden';

/** The change cannot be made against this fleet; says why in words a requester understands. */
export class ChangeRejectedError extends Error {
  override readonly name = 'ChangeRejectedError';
  constructor(
    readonly reason: RejectReason,
    message: string,
    readonly context: { readonly kind: string; readonly id: string; readonly slug?: string },
  ) {
    super(message);
  }
}
