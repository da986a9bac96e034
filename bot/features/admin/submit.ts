import { ChangeRejectedError, ChangeRequest, type ChangeRequestInput } from '../../../fleet/changes/index.js';
import { changeMarker } from '../../../fleet/changes/describe.js';
import type { PullRequest } from '../../../fleet/repo/types.js';
import { ContentionError, FleetBrokenError } from '../../../fleet/submit.js';
import type { Translate } from '../../notifications/index.js';
import type { BotDeps } from '../../ports.js';
import { problemsOf } from './prs.js';

/** An admin's change request, submitted, and what came of it in words the admin reads. */
export type Submitted =
  | { readonly kind: 'merged'; readonly pr: PullRequest; readonly commit: string }
  | { readonly kind: 'open'; readonly pr: PullRequest }
  /** Main already says so. */
  | { readonly kind: 'noop' }
  /** The fleet refused it (validation, a rule, a broken main, contention): why, for the admin. */
  | { readonly kind: 'refused'; readonly text: string };

export async function submitChange(deps: BotDeps, t: Translate, input: ChangeRequestInput): Promise<Submitted> {
  try {
    const outcome = await deps.changes.submit(input);
    if (outcome.status === 'merged') return { kind: 'merged', pr: outcome.pr, commit: outcome.commit };
    if (outcome.status === 'open') return { kind: 'open', pr: outcome.pr };
    return { kind: 'noop' };
  } catch (error) {
    if (error instanceof ChangeRejectedError || error instanceof FleetBrokenError) return { kind: 'refused', text: t('admin-change-refused', { problems: problemsOf(error) }) };
    if (error instanceof ContentionError) return { kind: 'refused', text: t('admin-busy') };
    throw error;
  }
}

/**
 * The open PR of a change, found by the change marker submit writes into every PR body. A change
 * already waiting for review is left as it is rather than built again on a newer main.
 */
export async function openPrOf(deps: BotDeps, input: ChangeRequestInput): Promise<PullRequest | null> {
  const marker = changeMarker(ChangeRequest.parse(input));
  return (await deps.changes.listOpen()).find((pr) => pr.body.includes(marker)) ?? null;
}
