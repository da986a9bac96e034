import { z } from 'zod';
import { ApiError, json, parseBody, type Route } from './http.js';
import { mergePull, refreshHead, updatePullBranch } from './merge.js';
import { type FakeContext, htmlUrl, type PullRecord, repoPath } from './state.js';

const CreatePull = z.object({ title: z.string().min(1), head: z.string().min(1), base: z.string().min(1), body: z.string().nullable().optional() });
const UpdatePull = z.object({ title: z.string().optional(), body: z.string().nullable().optional(), state: z.enum(['open', 'closed']).optional() });
const MergePull = z.object({
  sha: z.string().optional(),
  merge_method: z.literal('merge').optional(),
  commit_title: z.string().optional(),
  commit_message: z.string().optional(),
});
const UpdateBranch = z.object({ expected_head_sha: z.string().optional() }).optional();

/** The pulls endpoints buckfleet uses: create, list, get, update, merge, update-branch. */
export function pullRoutes(ctx: FakeContext): Route[] {
  const find = (n: string): PullRecord => {
    const pr = ctx.pulls.find((p) => p.number === Number(n));
    if (!pr) throw new ApiError(404, 'Not Found');
    return pr;
  };
  const render = async (pr: PullRecord) => ({
    number: pr.number,
    state: pr.state,
    title: pr.title,
    body: pr.body === '' ? null : pr.body,
    html_url: htmlUrl(ctx, `pull/${pr.number}`),
    labels: pr.labels.map((name) => ({ name })),
    head: { ref: pr.branch, sha: await refreshHead(ctx, pr), label: `${ctx.owner}:${pr.branch}` },
    base: { ref: pr.base, sha: await ctx.store.getRef(pr.base) },
    merged: pr.mergedAt !== null,
    merged_at: pr.mergedAt,
    merge_commit_sha: pr.mergeCommit,
  });
  /** `owner:branch` or a bare branch name, as GitHub accepts for `head`. */
  const headBranch = (head: string): string | null => {
    const colon = head.indexOf(':');
    if (colon === -1) return head;
    return head.slice(0, colon) === ctx.owner ? head.slice(colon + 1) : null;
  };

  return [
    {
      method: 'POST',
      pattern: repoPath(ctx, '/pulls'),
      handle: async ({ body }) => {
        const input = parseBody(CreatePull, body);
        const branch = headBranch(input.head);
        const invalid = (field: string) => new ApiError(422, 'Validation Failed', [{ resource: 'PullRequest', field, code: 'invalid' }]);
        if (branch === null || (await ctx.store.getRef(branch)) === null) throw invalid('head');
        if ((await ctx.store.getRef(input.base)) === null) throw invalid('base');
        if (ctx.pulls.some((p) => p.branch === branch && p.state === 'open')) {
          const message = `A pull request already exists for ${ctx.owner}:${branch}.`;
          throw new ApiError(422, 'Validation Failed', [{ resource: 'PullRequest', code: 'custom', message }]);
        }
        const pr: PullRecord = {
          number: ++ctx.counters.issue,
          branch,
          base: input.base,
          title: input.title,
          body: input.body ?? '',
          state: 'open',
          labels: [],
          headSha: (await ctx.store.getRef(branch)) ?? '',
          mergedAt: null,
          mergeCommit: null,
        };
        ctx.pulls.push(pr);
        return json(201, await render(pr));
      },
    },
    {
      method: 'GET',
      pattern: repoPath(ctx, '/pulls'),
      handle: async ({ query }) => {
        const state = query.get('state') ?? 'open';
        const head = query.get('head');
        const branch = head === null ? undefined : headBranch(head);
        // GitHub's default order: newest first.
        const matching = [...ctx.pulls]
          .reverse()
          .filter((p) => state === 'all' || p.state === state)
          .filter((p) => branch === undefined || p.branch === branch);
        return json(200, await Promise.all(matching.map(render)));
      },
    },
    {
      method: 'GET',
      pattern: repoPath(ctx, '/pulls/(\\d+)'),
      handle: async ({ params: [n = ''] }) => json(200, await render(find(n))),
    },
    {
      method: 'PATCH',
      pattern: repoPath(ctx, '/pulls/(\\d+)'),
      handle: async ({ params: [n = ''], body }) => {
        const pr = find(n);
        const input = parseBody(UpdatePull, body);
        if (input.state === 'open' && pr.mergedAt !== null) throw new ApiError(422, 'Cannot reopen a merged pull request');
        if (input.title !== undefined) pr.title = input.title;
        if (input.body !== undefined) pr.body = input.body ?? '';
        if (input.state !== undefined) pr.state = input.state;
        return json(200, await render(pr));
      },
    },
    {
      method: 'PUT',
      pattern: repoPath(ctx, '/pulls/(\\d+)/merge'),
      handle: async ({ params: [n = ''], body }) => {
        const input = parseBody(MergePull, body ?? {});
        const sha = await mergePull(ctx, find(n), { sha: input.sha, title: input.commit_title, message: input.commit_message });
        return json(200, { sha, merged: true, message: 'Pull Request successfully merged' });
      },
    },
    {
      method: 'PUT',
      pattern: repoPath(ctx, '/pulls/(\\d+)/update-branch'),
      handle: async ({ params: [n = ''], body }) => {
        const input = parseBody(UpdateBranch, body);
        await updatePullBranch(ctx, find(n), input?.expected_head_sha);
        return json(202, { message: 'Updating pull request branch.', url: htmlUrl(ctx, `pull/${n}`) });
      },
    },
  ];
}
