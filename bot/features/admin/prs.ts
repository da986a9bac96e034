import { NotMergeableError } from '../../../fleet/approve.js';
import type { ChangeRejectedError } from '../../../fleet/changes/types.js';
import { GitError } from '../../../fleet/repo/errors.js';
import { GitHubSaidNo } from '../../../fleet/repo/github/errors.js';
import { PrNotFoundError } from '../../../fleet/repo/local/prs.js';
import type { PrState, PullRequest } from '../../../fleet/repo/types.js';
import { ChangeInvalidError, ContentionError, FleetBrokenError } from '../../../fleet/submit.js';
import type { BotContext } from '../../context.js';
import type { Rendered, RenderedButton, Translate } from '../../notifications/index.js';
import type { BotDeps } from '../../ports.js';
import { dataOf } from './callback-data.js';
import { backHome, clearButtons, keyboardOf, requireAdmin, translate, withProgress } from './ui.js';

/** Pending PRs of the fleet repo: read them, approve (merge) or reject (close) them. */

/** PRs listed at once; more are counted, and appear as the first ones are decided. */
const LISTED = 10;
const SUMMARY_CHARS = 600;

/**
 * A PR body as plain text for a Telegram message: no HTML comments (the change marker), no
 * Markdown emphasis or code marks, at most {@link SUMMARY_CHARS} characters.
 */
export function prSummary(body: string, max = SUMMARY_CHARS): string {
  const text = body
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/\*\*|`/g, '')
    .replace(/^#{1,6}\s+/gm, '')
    .replace(/^>\s?/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  return text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`;
}

export function prView(pr: PullRequest, t: Translate): Rendered {
  const lines = [t('admin-pr-title', { number: String(pr.number), title: pr.title }), t('admin-pr-labels', { labels: pr.labels.join(', ') || '-' }), '', prSummary(pr.body)];
  const buttons: RenderedButton[][] = [prButtons(pr.number, t)];
  // Telegram refuses non-https links; a local fleet repo's PRs have none worth showing.
  if (pr.url.startsWith('https://')) buttons.push([{ text: t('admin-pr-open'), url: pr.url }]);
  return { text: lines.join('\n'), buttons };
}

export const prButtons = (number: number, t: Translate): RenderedButton[] => [
  { text: t('admin-approve'), data: dataOf({ type: 'pr', decision: 'ok', number }) },
  { text: t('admin-reject'), data: dataOf({ type: 'pr', decision: 'no', number }) },
];

export async function listPrs(ctx: BotContext, deps: BotDeps): Promise<void> {
  requireAdmin(ctx);
  await ctx.answerCallbackQuery();
  const t = translate(ctx);
  const open = [...(await deps.changes.listOpen())].sort((a, b) => a.number - b.number);
  if (open.length === 0) {
    await ctx.reply(t('admin-prs-none'), { reply_markup: keyboardOf([[backHome(t)]]) });
    return;
  }
  await ctx.reply(t('admin-prs-header', { count: open.length, shown: Math.min(open.length, LISTED) }));
  for (const pr of open.slice(0, LISTED)) {
    const view = prView(pr, t);
    await ctx.reply(view.text, { reply_markup: keyboardOf(view.buttons ?? []) });
  }
}

/** The PR's state now, or `missing` when the repo has no such PR (crafted or from another repo). */
async function stateOf(deps: BotDeps, number: number): Promise<PrState | 'missing'> {
  try {
    return (await deps.changes.getPr(number)).state;
  } catch (error) {
    if (error instanceof PrNotFoundError || (error instanceof GitHubSaidNo && error.status === 404)) return 'missing';
    throw error;
  }
}

function alreadyDecided(t: Translate, number: number, state: PrState | 'missing'): string | null {
  if (state === 'missing') return t('admin-pr-missing', { number: String(number) });
  if (state === 'merged') return t('admin-pr-already-merged', { number: String(number) });
  if (state === 'closed') return t('admin-pr-already-closed', { number: String(number) });
  return null;
}

/** Approve (merge) or reject (close) one PR; says what happened, including "someone was first". */
export async function decidePr(ctx: BotContext, deps: BotDeps, decision: 'ok' | 'no', number: number): Promise<void> {
  const admin = requireAdmin(ctx);
  await ctx.answerCallbackQuery();
  const t = translate(ctx);
  await withProgress(ctx, async () => {
    const before = alreadyDecided(t, number, await stateOf(deps, number));
    if (before !== null) {
      await clearButtons(ctx);
      return { text: before, buttons: [[backHome(t)]] };
    }
    const text = decision === 'ok' ? await approve(deps, t, number, admin) : await reject(deps, t, number, admin);
    if (text.done) await clearButtons(ctx);
    return { text: text.text, buttons: [[backHome(t)]] };
  });
}

async function approve(deps: BotDeps, t: Translate, number: number, admin: number): Promise<{ text: string; done: boolean }> {
  try {
    const { commit } = await deps.changes.approve(number, admin);
    return { text: t('admin-pr-merged', { number: String(number), commit: commit.slice(0, 10) }), done: true };
  } catch (error) {
    if (error instanceof NotMergeableError) {
      if (error.reason === 'conflict') return { text: t('admin-pr-conflict', { number: String(number) }), done: false };
      return { text: alreadyDecided(t, number, error.reason) ?? '', done: true };
    }
    if (error instanceof ChangeInvalidError) return { text: t('admin-pr-invalid', { number: String(number), problems: problemsOf(error) }), done: false };
    if (error instanceof ContentionError) return { text: t('admin-busy'), done: false };
    throw error;
  }
}

async function reject(deps: BotDeps, t: Translate, number: number, admin: number): Promise<{ text: string; done: boolean }> {
  try {
    await deps.changes.reject(number, admin);
    return { text: t('admin-pr-rejected', { number: String(number) }), done: true };
  } catch (error) {
    // Another admin merged it between the look and the close: say so rather than fail.
    if (!(error instanceof GitError || error instanceof GitHubSaidNo)) throw error;
    const now = alreadyDecided(t, number, await stateOf(deps, number));
    if (now === null) throw error;
    return { text: now, done: true };
  }
}

/** The first few reasons a change was refused, for a chat message. */
export function problemsOf(error: ChangeRejectedError | FleetBrokenError): string {
  const text = error instanceof ChangeInvalidError || error instanceof FleetBrokenError ? error.issues.slice(0, 3).map((i) => `${i.file}: ${i.message}`).join('\n') : error.message;
  return text.length <= 500 ? text : `${text.slice(0, 499)}…`;
}
