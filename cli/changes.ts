import { createHash } from 'node:crypto';
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import type { z } from 'zod';
import { type Config, loadConfig } from '../app/config.js';
import { openFleetRepo } from '../app/fleet-repo.js';
import { pathExists } from '../app/fs.js';
import { ensureAgeIdentity } from '../app/keys.js';
import type { Actor, ChangeRequestInput } from '../fleet/changes/request.js';
import { loadFleet } from '../fleet/load/index.js';
import type { Fleet } from '../fleet/model.js';
import type { ChangeRequests, FleetRepo } from '../fleet/repo/types.js';
import { MAIN } from '../fleet/repo/types.js';
import { FleetBrokenError, submitChange, type SubmitOutcome } from '../fleet/submit.js';
import { UsageError } from './errors.js';
import type { CliIo } from './io.js';

/**
 * What the change commands (`tenant create|suspend|resume`, `module install|update`, `pr merge`)
 * share: the person at the terminal as the requester, the configured fleet repo, main as a
 * loaded fleet, request ids derived from the inputs, and one line per outcome.
 */

/** The operator as a change request names them: `$USER` (the PR says "requested by cli:<user>"). */
export function cliActor(io: CliIo): Actor {
  const user = (io.env.USER ?? userInfo().username).slice(0, 64);
  return { type: 'cli', user: user === '' ? 'cli' : user };
}

export interface FleetWriter {
  readonly config: Config;
  readonly repo: FleetRepo & ChangeRequests;
  /** main as it is now, loaded; a main that does not validate stops every change (FleetBrokenError). */
  main(): Promise<{ readonly revision: string; readonly fleet: Fleet }>;
  submit(input: ChangeRequestInput): Promise<SubmitOutcome>;
}

export async function openFleetWriter(io: CliIo): Promise<FleetWriter> {
  const config = loadConfig(io.env);
  const repo = await openFleetRepo(config, io.cwd);
  return {
    config,
    repo,
    async main() {
      const revision = await repo.head(MAIN);
      if (revision === null) throw new FleetBrokenError('(none)', [{ file: 'fleet.yaml', line: 1, field: '(file)', message: 'the fleet repo has no main branch' }]);
      const loaded = loadFleet(await repo.read(revision));
      if (!loaded.ok) throw new FleetBrokenError(revision, loaded.issues);
      return { revision, fleet: loaded.fleet };
    },
    submit: (input) => submitChange({ repo, prs: repo, now: () => new Date() }, input),
  };
}

/**
 * A request id from what was asked and the state it was asked on: running the same command
 * again lands on the same branch and PR (or answers from the merged one), while the same
 * command after the tenant changed (suspend, resume, suspend again) is a new request.
 */
export function requestId(kind: string, subject: string, basis: unknown): string {
  const hash = createHash('sha256').update(JSON.stringify(basis)).digest('hex').slice(0, 16);
  return `cli:${kind}:${subject}:${hash}`.slice(0, 128);
}

/** One line: what was asked, the PR and whether it landed. */
export function describeOutcome(what: string, outcome: SubmitOutcome): string {
  switch (outcome.status) {
    case 'merged':
      return `${what}: PR #${outcome.pr.number} merged ${outcome.pr.url}`;
    case 'open':
      return `${what}: PR #${outcome.pr.number} open, waiting for an admin (buckfleet pr merge ${outcome.pr.number}) ${outcome.pr.url}`;
    case 'noop':
      return `${what}: nothing to change, main (${outcome.revision.slice(0, 12)}) already has it`;
  }
}

/** An argument checked with a fleet schema: a usage error naming the option when it does not fit. */
export function parseArg<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new UsageError(`${what}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
}

/** `name` or `name@version`. */
export function parseModuleArg(text: string): { readonly name: string; readonly version: string | undefined } {
  const at = text.indexOf('@');
  return at === -1 ? { name: text, version: undefined } : { name: text.slice(0, at), version: text.slice(at + 1) };
}

/**
 * The age recipient tenant secrets are sealed to, as the bot picks it: AGE_RECIPIENT, else
 * fleet.yaml's `secretsRecipient`; then, in local mode, the recipient of the identity `buckfleet
 * up` generated in BUCKFLEET_HOME (never generated here: a new identity could open nothing).
 */
export async function sealingRecipient(config: Config, fleet: Fleet, cwd: string): Promise<string> {
  if (config.ageRecipient !== null) return config.ageRecipient;
  if (fleet.config.secretsRecipient !== undefined) return fleet.config.secretsRecipient;
  if (await pathExists(resolve(cwd, config.ageIdentityFile.path))) return (await ensureAgeIdentity(config.ageIdentityFile, cwd)).recipient;
  throw new NoRecipientError('no age recipient to seal the bot token to: set AGE_RECIPIENT, or secretsRecipient in fleet.yaml');
}

export class NoRecipientError extends Error {
  override readonly name = 'NoRecipientError';
}
