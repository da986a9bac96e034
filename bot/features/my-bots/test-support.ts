/**
 * Helpers for the "My bots" tests (not a test itself): reading the fleet repo the bot wrote to,
 * seeding what the reconciler would have reported, and watching the answers to button presses.
 */
import { parse } from 'yaml';
import { MAIN, type PullRequest } from '../../../fleet/repo/types.js';
import type { BotWorld } from '../../../test/telegram/bot-world.js';
import type { BotMessage, TestUser } from '../../../test/telegram/user.js';

/** The text of `path` at `commit` (main when absent), or undefined when the file is not there. */
export async function fileAt(world: BotWorld, path: string, commit?: string): Promise<string | undefined> {
  const at = commit ?? (await world.fleet.repo.head(MAIN));
  if (at === null) throw new Error('the fleet repo has no main');
  return (await world.fleet.repo.read(at)).files.get(path);
}

/** A YAML manifest at `commit` (main when absent), parsed. */
export async function manifestAt<T = Record<string, unknown>>(world: BotWorld, path: string, commit?: string): Promise<T> {
  const text = await fileAt(world, path, commit);
  if (text === undefined) throw new Error(`${path} is not in the fleet repo`);
  return parse(text) as T;
}

export async function mainHead(world: BotWorld): Promise<string> {
  const head = await world.fleet.repo.head(MAIN);
  if (head === null) throw new Error('the fleet repo has no main');
  return head;
}

export function openPrs(world: BotWorld): Promise<PullRequest[]> {
  return world.fleet.repo.listOpen();
}

/** What the reconciler's last pass said about a tenant (tenant_status), as it writes it. */
export async function reportDeploy(world: BotWorld, tenant: string, ready: { status: boolean; reason: string }, failures = 0): Promise<void> {
  await world.db.pool.query(`INSERT INTO tenant_status (tenant, conditions, failures) VALUES ($1, $2, $3)`, [
    tenant,
    JSON.stringify({ Ready: { ...ready, message: '' } }),
    failures,
  ]);
}

/**
 * Texts of the bot's answers to button presses (answerCallbackQuery), in order; the emulator
 * does not keep them, so they are read on the way out of the running bot's API client.
 */
export function watchAnswers(world: BotWorld): string[] {
  const answers: string[] = [];
  world.bot.api.config.use(async (prev, method, payload, signal) => {
    if (method === 'answerCallbackQuery') answers.push(String((payload as { text?: string }).text ?? ''));
    return prev(method, payload, signal);
  });
  return answers;
}

/** Waits until `test` holds, polling; for effects that follow a message the user cannot see. */
export async function eventually(test: () => Promise<boolean> | boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await test())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 30));
  }
}

/** Sends `text` and waits for a new bot message that contains `expected`. */
export async function sendAndWait(user: TestUser, text: string, expected: string): Promise<BotMessage> {
  const before = new Set((await user.messages()).map((m) => m.messageId));
  await user.send(text);
  return user.waitFor((m) => !before.has(m.messageId) && m.text.includes(expected));
}

/** /mybots, then the bot's button: the list message, edited into that bot's view. */
export async function openBot(user: TestUser, slug: string): Promise<BotMessage> {
  const list = await sendAndWait(user, '/mybots', 'Your bots');
  await user.pressData(list, `my:bot:${slug}`);
  return user.waitFor((m) => m.messageId === list.messageId && m.text.includes(`🤖 ${slug}`) && m.text.includes('Chats and channels:'));
}
