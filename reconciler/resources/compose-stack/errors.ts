import { StalledError, TransientError } from '../../errors.js';

/**
 * What went wrong on a host, by what the reconciler must do next (the error type decides the next
 * step): the host did not answer → retry; the host is not the one we pinned, or refused our key →
 * a person must look; the command ran and failed → retry with backoff, with the exit code and the
 * end of its stderr to show. None of these carries file contents or env values: those travel on
 * stdin, never in argv, so they cannot reach a message.
 *
 * Identity is the class (`instanceof`) and the `reason` code; `name` stays the base class's
 * (`StalledError`/`TransientError`), whose literal type reconciler/errors.ts fixes.
 */

/** Where and during what a host operation failed: goes into every message. */
export interface HostOp {
  /** `address:port`. */
  readonly host: string;
  /** What buckfleet was doing: `compose up`, `list stacks`, `write backup`. */
  readonly op: string;
  readonly project?: string;
}

const doing = (at: HostOp) => (at.project ? `${at.op} of ${at.project}` : at.op);

/** Connection refused, timed out, no route, dropped mid-command: the host may be booting or cut off. */
export class HostUnreachableError extends TransientError {
  constructor(
    readonly at: HostOp,
    /** ssh's own words, e.g. `Connection refused`. */
    readonly detail: string,
  ) {
    super('host-unreachable', `${at.host} did not answer over SSH during ${doing(at)}: ${detail}. It may still be booting or be cut off; retrying.`);
  }
}

/**
 * The host presented a key that is not the pinned one. Never retried: the droplet may have been
 * rebuilt, or something is intercepting the connection, and only a person can tell which.
 */
export class HostKeyMismatchError extends StalledError {
  constructor(
    readonly at: HostOp,
    /** The fingerprint ssh reported for the key the host sent (`SHA256:...`), when it said. */
    readonly presentedFingerprint: string | null,
  ) {
    const presented = presentedFingerprint ? ` (it sent ${presentedFingerprint})` : '';
    super(
      'host-key-mismatch',
      `${at.host} presented a host key that is not the pinned one${presented} during ${doing(at)}. ` +
        'The droplet may have been rebuilt or the connection intercepted: check the droplet from the cloud console, ' +
        'then correct the pinned key in the fleet repo. buckfleet will not retry on its own.',
    );
  }
}

/** The host answered but refused buckfleet's key: its authorized_keys lacks the fleet's public key. */
export class HostAuthError extends StalledError {
  constructor(
    readonly at: HostOp,
    readonly user: string,
  ) {
    super(
      'host-auth-rejected',
      `${at.host} refused buckfleet's SSH key for ${user} during ${doing(at)}: ` +
        "add the fleet's public key (SSH_PRIVATE_KEY_FILE's) to the host's authorized_keys, as the droplet's cloud-init does.",
    );
  }
}

/** The command ran on the host and failed (or ran past its time limit). */
export class RemoteCommandError extends TransientError {
  constructor(
    readonly at: HostOp,
    /** null when the command did not finish: killed for running too long, or by a signal. */
    readonly exitCode: number | null,
    /** The last lines of stderr, URLs' credentials redacted. */
    readonly stderrTail: string,
  ) {
    const lastLine = stderrTail.split('\n').filter((l) => l.trim() !== '').at(-1) ?? 'no error output';
    const how = exitCode === null ? 'did not finish (timed out or killed)' : `failed with exit code ${exitCode}`;
    super('remote-command-failed', `${doing(at)} on ${at.host} ${how}: ${lastLine}`);
  }
}

/** The host answered with something buckfleet cannot read (another docker version's format?). */
export class UnexpectedOutputError extends StalledError {
  constructor(
    readonly at: HostOp,
    readonly detail: string,
  ) {
    super('unexpected-output', `${doing(at)} on ${at.host} returned output buckfleet cannot read: ${detail}. Check the host's docker version.`);
  }
}
