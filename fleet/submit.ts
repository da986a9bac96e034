import { branchFor } from './changes/describe.js';
import { buildChange, editedPaths } from './changes/index.js';
import { ChangeRequest, type ChangeRequestInput } from './changes/request.js';
import { ChangeRejectedError } from './changes/types.js';
import { loadEdited, loadRevision, textsAt } from './load/revision.js';
import { type Log, silentLog } from './log.js';
import { mergeModeOf } from './policy.js';
import { RefMovedError } from './repo/errors.js';
import { type ChangeRequests, type FleetRepo, MAIN, type PullRequest } from './repo/types.js';
import { ChangeInvalidError, ContentionError, FleetBrokenError } from './submit-errors.js';

export interface SubmitDeps {
  readonly repo: FleetRepo;
  readonly prs: ChangeRequests;
  /** The clock, injected: builders stamp times from it. */
  readonly now: () => Date;
  readonly log?: Log;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

export type SubmitOutcome =
  | { readonly status: 'merged'; readonly pr: PullRequest; readonly commit: string }
  | { readonly status: 'open'; readonly pr: PullRequest }
  /** Nothing to change: the request is already applied on main. */
  | { readonly status: 'noop'; readonly revision: string };

const MAX_ATTEMPTS = 40;
const BASE_WAIT_MS = 10;
const MAX_WAIT_MS = 1_000;

/**
 * Submits a change request: builds it on the newest main, validates the resulting fleet, commits
 * it to its own branch, opens (or updates) its PR and, when the merge policy says `auto`, merges
 * it. When main moves in between — another writer landed first — the change is rebuilt on the
 * new main rather than merged blindly, so concurrent writers never clobber each other and every
 * merged tree was validated. The same request id always maps to the same branch and PR, so
 * submitting twice is safe.
 */
export async function submitChange(deps: SubmitDeps, input: ChangeRequestInput): Promise<SubmitOutcome> {
  const cr = parseRequest(input);
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const random = deps.random ?? Math.random;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
    const outcome = await deps.repo.withWriteLock(() => attemptOnce(deps, cr, attempt));
    if (outcome !== 'moved') return outcome;
    await sleep(Math.min(MAX_WAIT_MS, BASE_WAIT_MS * 2 ** Math.min(attempt, 10)) * random());
  }
  throw new ContentionError(MAX_ATTEMPTS, contextOf(cr));
}

/** One try on the current main; 'moved' when another writer moved main or the branch first. */
async function attemptOnce(deps: SubmitDeps, cr: ChangeRequest, attempt: number): Promise<SubmitOutcome | 'moved'> {
  const log = deps.log ?? silentLog;
  const ctx = contextOf(cr);
  const branch = branchFor(cr);
  const main = await deps.repo.head(MAIN);
  if (main === null) throw new FleetBrokenError('(none)', [{ file: 'fleet.yaml', line: 1, field: '(file)', message: 'the fleet repo has no main branch' }]);
  // A request already merged is answered from its PR: building it again would be refused (the
  // tenant it created exists now) or would change what already landed.
  const existing = await deps.prs.findPr(branch);
  if (existing?.state === 'merged' && existing.mergeCommit !== null) {
    return { status: 'merged', pr: existing, commit: existing.mergeCommit };
  }
  // Through the repo's manifest cache: at 10k tenants, reading and validating all of main twice
  // per change was seconds; now only the files the change edits are read and validated.
  const loaded = await loadRevision(deps.repo, main);
  if (!loaded.ok) throw new FleetBrokenError(main, loaded.issues);

  const now = deps.now().toISOString();
  const files = await textsAt(deps.repo, main, editedPaths({ fleet: loaded.fleet, now }, cr));
  const plan = buildChange({ fleet: loaded.fleet, files, now }, cr);
  if (plan.edits.length === 0) {
    log.info({ ...ctx, revision: main }, 'change already applied on main');
    return { status: 'noop', revision: main };
  }
  const next = await loadEdited(deps.repo, main, plan.edits);
  if (!next.ok) throw new ChangeInvalidError(next.issues, ctx);

  try {
    const branchHead = await deps.repo.head(branch);
    const head = await deps.repo.commit({
      branch,
      parent: main,
      edits: plan.edits,
      message: plan.message,
      expect: branchHead === null ? 'absent' : { at: branchHead },
    });
    const pr = await deps.prs.ensurePr({ branch, title: plan.title, body: plan.body, labels: plan.labels });
    if (mergeModeOf(loaded.fleet.config, cr.kind) === 'review') {
      log.info({ ...ctx, pr: pr.number, branch }, 'change opened for review');
      return { status: 'open', pr };
    }
    const merged = await deps.prs.merge(pr.number, { expectHead: head, message: plan.message });
    if (!merged.merged) return 'moved';
    log.info({ ...ctx, pr: pr.number, commit: merged.commit, attempt }, 'change merged');
    return { status: 'merged', pr: await deps.prs.getPr(pr.number), commit: merged.commit };
  } catch (error) {
    if (error instanceof RefMovedError) return 'moved';
    throw error;
  }
}

const contextOf = (cr: ChangeRequest) => ({ kind: cr.kind, id: cr.id, ...('slug' in cr ? { slug: cr.slug } : {}) });

function parseRequest(input: ChangeRequestInput): ChangeRequest {
  const parsed = ChangeRequest.safeParse(input);
  if (parsed.success) return parsed.data;
  const kind = typeof input === 'object' && input !== null && 'kind' in input ? String(input.kind) : '(unknown)';
  const id = typeof input === 'object' && input !== null && 'id' in input ? String(input.id) : '(none)';
  const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(request)'}: ${i.message}`).join('; ');
  throw new ChangeRejectedError('invalid', `invalid change request: ${problems}`, { kind, id });
}

export { ChangeInvalidError, ContentionError, FleetBrokenError } from './submit-errors.js';
export type { ChangeRequestInput };
