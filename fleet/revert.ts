import { isDeepStrictEqual } from 'node:util';
import { actorRef, describeActor } from './changes/describe.js';
import type { Actor } from './changes/request.js';
import { applyEdits } from './edits.js';
import { formatIssue } from './load/errors.js';
import { loadFleet } from './load/index.js';
import { manifestValue } from './load/manifest.js';
import { type Log, silentLog } from './log.js';
import type { FleetFiles } from './model.js';
import { PrNotFoundError, RefMovedError } from './repo/errors.js';
import { type ChangeRequests, type FileEdit, type FleetRepo, MAIN, type PullRequest } from './repo/types.js';
import { toYaml } from './serialize.js';

/**
 * Rollback as a revert PR (`buckfleet rollback <pr>`): the files a merged PR changed are put back
 * as they were before it, on top of today's main, in a PR of their own that an admin reviews
 * like any change. Works the same on the local repo and GitHub: only finding where the merged
 * change started needs the backend (`FleetRepo.parents`).
 */

export type RevertReason = 'not_found' | 'not_merged' | 'conflict' | 'nothing' | 'invalid';

/** The PR cannot be rolled back; the message says why and what to do. */
export class RevertError extends Error {
  override readonly name = 'RevertError';
  constructor(
    readonly reason: RevertReason,
    readonly pr: number,
    message: string,
  ) {
    super(message);
  }
}

export interface RevertDeps {
  readonly repo: FleetRepo;
  readonly prs: ChangeRequests;
  readonly log?: Log;
}

/** A merged PR's change: the trees main had just before and just after it. */
export interface MergedChange {
  readonly pr: PullRequest;
  readonly before: string;
  readonly after: string;
}

/**
 * Where a merged PR's change starts. A merge commit that is not the PR head (GitHub's merge
 * button) has main before the merge as its first parent. A fast-forward (the local repo, and
 * GitHub when main was already in the branch) makes the PR head main: the head is either the
 * change commit, built on main (first parent), or the merge of main into the branch that
 * updateBranch made just before merging (second parent).
 */
export async function mergedChange(deps: RevertDeps, number: number): Promise<MergedChange> {
  let pr: PullRequest;
  try {
    pr = await deps.prs.getPr(number);
  } catch (error) {
    if (error instanceof PrNotFoundError) throw new RevertError('not_found', number, `there is no PR #${number} in the fleet repo`);
    throw error;
  }
  if (pr.state !== 'merged' || pr.mergeCommit === null) {
    throw new RevertError('not_merged', number, `PR #${number} is ${pr.state}, not merged: only a merged change can be rolled back${pr.state === 'open' ? ' (close it instead)' : ''}`);
  }
  const parents = await deps.repo.parents(pr.mergeCommit);
  const before = pr.mergeCommit === pr.head && parents.length >= 2 ? parents[1] : parents[0];
  if (before === undefined) throw new RevertError('nothing', number, `PR #${number} merged the first commit of the repo; there is nothing before it to go back to`);
  return { pr, before, after: pr.mergeCommit };
}

export type RevertPlan = { readonly edits: FileEdit[]; readonly conflicts: string[] };

/**
 * The edits that undo `before → after` on `current`, pure. A file main has not touched since is
 * put back as it was; a manifest main changed since is reverted key by key (a three-way merge of
 * the parsed YAML), so a later, unrelated edit of the same tenant survives; where both changed
 * the same value it is a conflict and a person decides.
 */
export function revertEdits(before: FleetFiles, after: FleetFiles, current: FleetFiles): RevertPlan {
  const edits: FileEdit[] = [];
  const conflicts: string[] = [];
  const paths = [...new Set([...before.keys(), ...after.keys()])].filter((p) => before.get(p) !== after.get(p)).sort();
  for (const path of paths) {
    const want = before.get(path);
    const was = after.get(path);
    const now = current.get(path);
    if (now === want) continue;
    if (now === was) {
      edits.push({ path, content: want ?? null });
      continue;
    }
    const merged = [was, now, want].every((t) => t !== undefined) ? mergeValues(manifestValue(path, was!), manifestValue(path, now!), manifestValue(path, want!)) : CONFLICT;
    if (merged === CONFLICT || merged === null || merged === undefined) conflicts.push(path);
    else edits.push({ path, content: toYaml(merged) });
  }
  return { edits, conflicts };
}

/** A value both sides changed: a person decides. */
const CONFLICT = Symbol('conflict');

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Three-way merge of parsed values: `base` → `theirs` is applied to `ours`; lists are one value. */
function mergeValues(base: unknown, ours: unknown, theirs: unknown): unknown {
  if (isDeepStrictEqual(ours, base)) return theirs;
  if (isDeepStrictEqual(theirs, base) || isDeepStrictEqual(ours, theirs)) return ours;
  if (!isRecord(base) || !isRecord(ours) || !isRecord(theirs)) return CONFLICT;
  const out: Record<string, unknown> = {};
  // Key order of main's file, then keys only the older version had.
  for (const key of [...new Set([...Object.keys(ours), ...Object.keys(theirs), ...Object.keys(base)])]) {
    const value = mergeValues(base[key], ours[key], theirs[key]);
    if (value === CONFLICT) return CONFLICT;
    if (value !== undefined) out[key] = value;
  }
  return out;
}

const MAX_ATTEMPTS = 20;

/**
 * Opens (once) the revert PR of merged PR `number` and returns it; it waits for an admin's
 * approval like any reviewed change. A revert PR that exists already, open or merged, is the
 * answer to a second call.
 */
export async function revertChange(deps: RevertDeps & { readonly requestedBy: Actor }, number: number): Promise<{ pr: PullRequest; created: boolean }> {
  const log = deps.log ?? silentLog;
  const change = await mergedChange(deps, number);
  const branch = `bf/revert/pr-${number}`;
  const existing = await deps.prs.findPr(branch);
  if (existing !== null && existing.state !== 'closed') return { pr: existing, created: false };
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
    const outcome = await deps.repo.withWriteLock(async () => {
      const main = await deps.repo.head(MAIN);
      if (main === null) throw new RevertError('nothing', number, 'the fleet repo has no main branch');
      const [before, after, current] = await Promise.all([deps.repo.read(change.before), deps.repo.read(change.after), deps.repo.read(main)]);
      const plan = revertEdits(before.files, after.files, current.files);
      if (plan.conflicts.length > 0) {
        throw new RevertError('conflict', number, `PR #${number} cannot be reverted automatically: main changed the same values since, in ${plan.conflicts.join(', ')}; make the change by hand as a new PR`);
      }
      if (plan.edits.length === 0) throw new RevertError('nothing', number, `PR #${number}'s change is no longer on main: nothing to revert`);
      const next = loadFleet(applyEdits(current, plan.edits));
      if (!next.ok) throw new RevertError('invalid', number, `reverting PR #${number} would make the fleet invalid:\n${next.issues.map(formatIssue).join('\n')}`);
      const title = `Revert "${change.pr.title}"`;
      const message = `revert: ${change.pr.title}\n\nThis reverts PR #${number} (${change.after}).\n\nRequested-By: ${actorRef(deps.requestedBy)}\n`;
      try {
        const branchHead = await deps.repo.head(branch);
        await deps.repo.commit({ branch, parent: main, edits: plan.edits, message, expect: branchHead === null ? 'absent' : { at: branchHead } });
      } catch (error) {
        if (error instanceof RefMovedError) return 'moved' as const;
        throw error;
      }
      const body = [
        `**revert** of PR #${number} (${change.pr.url}) requested by ${describeActor(deps.requestedBy)}.`,
        '',
        `Puts back what main had before ${change.after.slice(0, 12)}: ${plan.edits.map((e) => `\`${e.path}\`${e.content === null ? ' (removed)' : ''}`).join(', ')}.`,
        '',
        `<!-- buckfleet:revert ${number} -->`,
      ].join('\n');
      return deps.prs.ensurePr({ branch, title, body, labels: ['revert'] });
    });
    if (outcome !== 'moved') {
      log.info({ pr: number, revert: outcome.number }, 'revert PR opened');
      return { pr: outcome, created: true };
    }
  }
  throw new RevertError('conflict', number, `main kept moving while the revert of PR #${number} was written; run the rollback again`);
}
