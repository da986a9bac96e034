import { z } from 'zod';
import { ApiError, json, parseBody, type Route } from './http.js';
import { type CommentRecord, type FakeContext, htmlUrl, repoPath } from './state.js';

const AddLabels = z.object({ labels: z.array(z.string().min(1)) });
const CommentBody = z.object({ body: z.string().min(1) });
const CreateStatus = z.object({
  state: z.enum(['error', 'failure', 'pending', 'success']),
  target_url: z.string().nullable().optional(),
  // GitHub refuses longer descriptions with a 422.
  description: z.string().max(140, 'description is too long (maximum is 140 characters)').nullable().optional(),
  context: z.string().optional(),
});

/** Labels and comments (PRs are issues here, as on GitHub) and commit statuses. */
export function issueRoutes(ctx: FakeContext): Route[] {
  const pull = (n: string) => {
    const pr = ctx.pulls.find((p) => p.number === Number(n));
    if (!pr) throw new ApiError(404, 'Not Found');
    return pr;
  };
  const render = (c: CommentRecord) => ({ id: c.id, body: c.body, html_url: htmlUrl(ctx, `pull/${c.issue}#issuecomment-${c.id}`), user: { login: 'buckfleet[bot]' } });

  return [
    {
      method: 'POST',
      pattern: repoPath(ctx, '/issues/(\\d+)/labels'),
      handle: ({ params: [n = ''], body }) => {
        const pr = pull(n);
        for (const label of parseBody(AddLabels, body).labels) if (!pr.labels.includes(label)) pr.labels.push(label);
        return Promise.resolve(json(200, pr.labels.map((name) => ({ name }))));
      },
    },
    {
      method: 'GET',
      pattern: repoPath(ctx, '/issues/(\\d+)/comments'),
      handle: ({ params: [n = ''] }) => {
        const pr = pull(n);
        return Promise.resolve(json(200, ctx.comments.filter((c) => c.issue === pr.number).map(render)));
      },
    },
    {
      method: 'POST',
      pattern: repoPath(ctx, '/issues/(\\d+)/comments'),
      handle: ({ params: [n = ''], body }) => {
        const comment = { id: ++ctx.counters.comment, issue: pull(n).number, body: parseBody(CommentBody, body).body };
        ctx.comments.push(comment);
        return Promise.resolve(json(201, render(comment)));
      },
    },
    {
      method: 'PATCH',
      pattern: repoPath(ctx, '/issues/comments/(\\d+)'),
      handle: ({ params: [id = ''], body }) => {
        const comment = ctx.comments.find((c) => c.id === Number(id));
        if (!comment) throw new ApiError(404, 'Not Found');
        comment.body = parseBody(CommentBody, body).body;
        return Promise.resolve(json(200, render(comment)));
      },
    },
    {
      method: 'POST',
      pattern: repoPath(ctx, '/statuses/([0-9a-f]{40})'),
      handle: async ({ params: [sha = ''], body }) => {
        const input = parseBody(CreateStatus, body);
        if ((await ctx.store.typeOf(sha)) !== 'commit') throw new ApiError(422, `No commit found for SHA: ${sha}`);
        const status = {
          sha,
          state: input.state,
          context: input.context ?? 'default',
          description: input.description ?? null,
          targetUrl: input.target_url ?? null,
        };
        ctx.statuses.push(status);
        return json(201, { id: ctx.statuses.length, state: status.state, context: status.context, description: status.description, target_url: status.targetUrl });
      },
    },
  ];
}
