/**
 * Compose stacks on hosts, over SSH: the production HostRuntime (reconciler/ports.ts).
 * `commands.ts` builds what runs on a host, `ssh.ts` runs it and classifies failures,
 * `observe.ts` reads what docker reports, `runtime.ts` puts them together.
 */
export { DEFAULT_BASE_DIR, SshHostRuntime, type SshHostRuntimeOptions } from './runtime.js';
export { type RunOptions, type SshOptions, type SshRunner, sshRunner } from './ssh.js';
export { type RemoteCommand, shellQuote } from './commands.js';
export { HostAuthError, HostKeyMismatchError, type HostOp, HostUnreachableError, RemoteCommandError, UnexpectedOutputError } from './errors.js';
