import { z } from 'zod';
import { ApiError, json, parseBody, type Route } from './http.js';
import { type FakeContext, repoPath } from './state.js';

const Sha = z.string().regex(/^[0-9a-f]{40}$/);

const CreateRef = z.object({ ref: z.string().regex(/^refs\/heads\/.+/), sha: Sha });
const UpdateRef = z.object({ sha: Sha, force: z.boolean().optional() });
const CreateBlob = z.object({ content: z.string(), encoding: z.enum(['utf-8', 'base64']).optional() });
const TreePath = z.string().refine((p) => p.split('/').every((s) => s !== '' && s !== '.' && s !== '..'), 'malformed path component');
const CreateTree = z.object({
  base_tree: Sha.optional(),
  tree: z.array(z.object({ path: TreePath, mode: z.enum(['100644', '100755']), type: z.literal('blob'), sha: Sha.nullable() })),
});
const CreateCommit = z.object({ message: z.string(), tree: Sha, parents: z.array(Sha) });

/** The git data endpoints: refs, blobs, trees, commits, all backed by the real bare repo. */
export function gitRoutes(ctx: FakeContext): Route[] {
  const { store } = ctx;
  const refJson = (branch: string, sha: string) => ({
    ref: `refs/heads/${branch}`,
    url: `${ctx.baseUrl()}/repos/${ctx.owner}/${ctx.repo}/git/refs/heads/${branch}`,
    object: { sha, type: 'commit', url: `${ctx.baseUrl()}/repos/${ctx.owner}/${ctx.repo}/git/commits/${sha}` },
  });
  const mustBeCommit = async (sha: string) => {
    if ((await store.typeOf(sha)) !== 'commit') throw new ApiError(422, 'Object does not exist');
  };

  return [
    {
      method: 'GET',
      pattern: repoPath(ctx, '/git/ref/heads/(.+)'),
      handle: async ({ params: [branch = ''] }) => {
        const sha = await store.getRef(branch);
        return sha === null ? json(404, { message: 'Not Found' }) : json(200, refJson(branch, sha));
      },
    },
    {
      method: 'POST',
      pattern: repoPath(ctx, '/git/refs'),
      handle: async ({ body }) => {
        const input = parseBody(CreateRef, body);
        const branch = input.ref.slice('refs/heads/'.length);
        await mustBeCommit(input.sha);
        if ((await store.getRef(branch)) !== null) throw new ApiError(422, 'Reference already exists');
        await store.setRef(branch, input.sha, null);
        return json(201, refJson(branch, input.sha));
      },
    },
    {
      method: 'PATCH',
      pattern: repoPath(ctx, '/git/refs/heads/(.+)'),
      handle: async ({ params: [branch = ''], body }) => {
        const input = parseBody(UpdateRef, body);
        await mustBeCommit(input.sha);
        const current = await store.getRef(branch);
        if (current === null) throw new ApiError(422, 'Reference does not exist');
        if (input.force !== true && !(await store.isAncestor(current, input.sha))) throw new ApiError(422, 'Update is not a fast forward');
        await store.setRef(branch, input.sha, current);
        return json(200, refJson(branch, input.sha));
      },
    },
    {
      method: 'POST',
      pattern: repoPath(ctx, '/git/blobs'),
      handle: async ({ body }) => {
        const input = parseBody(CreateBlob, body);
        const sha = await store.writeBlob(Buffer.from(input.content, input.encoding === 'base64' ? 'base64' : 'utf8'));
        return json(201, { sha, url: `${ctx.baseUrl()}/repos/${ctx.owner}/${ctx.repo}/git/blobs/${sha}` });
      },
    },
    {
      method: 'POST',
      pattern: repoPath(ctx, '/git/trees'),
      handle: async ({ body }) => {
        const input = parseBody(CreateTree, body);
        if (input.base_tree !== undefined && (await store.typeOf(input.base_tree)) !== 'tree') throw new ApiError(422, 'base_tree is not a valid tree oid');
        for (const e of input.tree) {
          if (e.sha !== null && (await store.typeOf(e.sha)) !== 'blob') throw new ApiError(422, `tree.sha ${e.sha} is not a valid blob`);
        }
        const sha = await store.writeTree(input.base_tree ?? null, input.tree);
        return json(201, { sha, truncated: false, tree: await store.listTree(sha) });
      },
    },
    {
      method: 'POST',
      pattern: repoPath(ctx, '/git/commits'),
      handle: async ({ body }) => {
        const input = parseBody(CreateCommit, body);
        if ((await store.typeOf(input.tree)) !== 'tree') throw new ApiError(422, 'Tree SHA does not exist');
        for (const p of input.parents) {
          if ((await store.typeOf(p)) !== 'commit') throw new ApiError(422, 'Parent SHA does not exist or is not a commit object');
        }
        const sha = await store.writeCommit(input.tree, input.parents, input.message);
        return json(201, commitJson(sha, input.tree, input.parents, input.message));
      },
    },
    {
      method: 'GET',
      pattern: repoPath(ctx, '/git/commits/([0-9a-f]{40})'),
      handle: async ({ params: [sha = ''] }) => {
        const c = await store.readCommit(sha);
        return c === null ? json(404, { message: 'Not Found' }) : json(200, commitJson(c.sha, c.tree, c.parents, c.message));
      },
    },
  ];
}

function commitJson(sha: string, tree: string, parents: readonly string[], message: string) {
  return { sha, message, tree: { sha: tree }, parents: parents.map((p) => ({ sha: p })) };
}
