import { loadWorkerEnv, type RunningWorker, startWorker, type WorkerOptions } from '../../kit/src/worker.js';
import { type PostsResult, sendDuePosts } from './posts.js';

/**
 * scheduled-posts: the owner schedules a post by inserting a row into `scheduled_posts`
 * (chat_id, text, due_at) in the tenant database; every POLL_SECONDS the worker sends the due
 * ones to the tenant's chats, each at most once.
 */
export function startScheduledPosts(env: NodeJS.ProcessEnv, opts?: WorkerOptions): Promise<RunningWorker<PostsResult>> {
  const config = loadWorkerEnv('scheduled-posts', env, 8082, () => ({}));
  return startWorker(
    {
      module: 'scheduled-posts',
      env: config,
      tables: ['scheduled_posts'],
      schemaHint: 'let the reconciler apply modules/scheduled-posts/migrations',
      pass: ({ db, api }, now) => sendDuePosts({ db, send: async (chatId, text) => (await api.sendMessage(chatId, text)).message_id, chatIds: config.chatIds }, now),
    },
    opts,
  );
}
