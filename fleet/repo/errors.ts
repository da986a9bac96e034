/**
 * What went wrong with the fleet repo, by what to do next (the error type decides the next step):
 * RefMovedError → rebuild on the new head and try again; TransientGitError → retry with backoff;
 * GitError → stop and tell a person.
 */
export class GitError extends Error {
  override readonly name: string = 'GitError';
  constructor(
    message: string,
    readonly context: { readonly op: string; readonly ref?: string; readonly stderr?: string },
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Another writer moved the branch first: rebuild on its new head. */
export class RefMovedError extends GitError {
  override readonly name = 'RefMovedError';
}

/** Lock contention, a dropped connection, a 5xx: the same call may work shortly. */
export class TransientGitError extends GitError {
  override readonly name = 'TransientGitError';
}

/** `getPr` and friends for a number no PR has (local and GitHub alike). */
export class PrNotFoundError extends GitError {
  override readonly name = 'PrNotFoundError';
  constructor(
    readonly number: number,
    where: string,
  ) {
    super(`no pull request #${number} in ${where}`, { op: 'get-pr' });
  }
}
