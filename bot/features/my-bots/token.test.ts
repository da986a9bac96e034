import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { secretsFile } from '../../../fleet/paths.js';
import { ageSecretOpener } from '../../../reconciler/secrets.js';
import { BOT_TOKENS, TEST_IDENTITY } from '../../../test/fleet-fixtures.js';
import { BOT_TOKEN, type BotWorld, type BotWorldOptions, startBotWorld } from '../../../test/telegram/bot-world.js';
import { myBotsFeature } from './index.js';
import { fileAt, openBot, openPrs } from './test-support.js';

const only: BotWorldOptions = { features: [myBotsFeature] };
const NEW_TOKEN = '7000000099:AAH_alpha-shop_replacement_token_0123';
/** The right shape, but Telegram (the emulator) does not know it: a revoked token. */
const REVOKED_TOKEN = '7000000098:AAH_alpha-shop_revoked_token_012345';

/** Every place a plaintext could have leaked to, as one text. */
async function everywhere(world: BotWorld): Promise<string> {
  const git = await promisify(execFile)('git', ['--git-dir', world.fleet.gitDir, 'log', '--all', '-p'], { maxBuffer: 64 * 1024 * 1024 });
  const metadata: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) await walk(join(dir, entry.name));
      else metadata.push(await readFile(join(dir, entry.name), 'utf8'));
    }
  };
  await walk(join(world.fleet.gitDir, 'buckfleet'));
  const state = await world.db.pool.query<{ value: string }>(`SELECT key || ' ' || value::text AS value FROM bot_state`);
  const chat = JSON.stringify(world.emulator.server.getUpdatesHistory(BOT_TOKEN));
  return [git.stdout, ...metadata, ...state.rows.map((r) => r.value), chat, ...world.logged].join('\n');
}

async function sealedBotToken(world: BotWorld, commit?: string): Promise<string> {
  const text = await fileAt(world, secretsFile('alpha-shop'), commit);
  const sealed = (parse(text ?? '') as { values: { BOT_TOKEN: string } }).values.BOT_TOKEN;
  return ageSecretOpener(TEST_IDENTITY).open(sealed);
}

describe('My bots: replacing the bot token (emulator, real fleet repo)', () => {
  it('deletes the message at once, checks the token, and proposes it sealed; the plaintext is nowhere else', async (ctx) => {
    const world = await startBotWorld(ctx, only);
    world.emulator.customerBots.set(NEW_TOKEN, { id: 7_000_000_099, username: 'alpha_shop_new_bot' });
    const alice = world.user(200_001, { firstName: 'Alice' });
    await openBot(alice, 'alpha-shop');
    await alice.press('Replace the bot token');
    await alice.waitFor('Send me the new token of alpha-shop');

    await alice.send(REVOKED_TOKEN);
    await alice.waitFor('Telegram does not accept this token');
    expect(await openPrs(world)).toEqual([]);
    await alice.press('Try again');
    await alice.next('Send me the new token of alpha-shop');
    await alice.send(NEW_TOKEN);
    const review = await alice.waitFor('Sent for review: replacing the bot token of alpha-shop (new bot: @alpha_shop_new_bot)');
    const [pr] = await openPrs(world);
    expect(pr?.labels).toContain('tenant.update');
    expect(review.text).toContain(`#${pr?.number}`);
    expect(pr?.body).toContain('secrets replaced (encrypted): BOT_TOKEN');

    // Sealed to the fleet's recipient: the reconciler's identity opens it; main keeps the old one.
    expect(await sealedBotToken(world, pr?.head)).toBe(NEW_TOKEN);
    expect(await sealedBotToken(world)).toBe(BOT_TOKENS['alpha-shop']);

    // Both messages that held a token were deleted from the chat, and no plaintext is in git, PR
    // records, the bot's stored state, the chat, or the logs.
    const all = await everywhere(world);
    expect(all).toContain('BEGIN AGE ENCRYPTED FILE');
    expect(all).not.toContain(NEW_TOKEN);
    expect(all).not.toContain(REVOKED_TOKEN);
    expect(all).not.toContain(NEW_TOKEN.split(':')[1]);
  });

  it('/cancel leaves the token as it is, and a later text is not taken for a token', async (ctx) => {
    const world = await startBotWorld(ctx, only);
    const bob = world.user(200_002);
    await openBot(bob, 'bravo-news');
    await bob.press('Replace the bot token');
    await bob.waitFor('Send me the new token of bravo-news');
    await bob.send('/cancel');
    await bob.waitFor('Cancelled: nothing was changed.');
    await bob.send('hello');
    await bob.waitFor("I don't know that command");
    expect(await openPrs(world)).toEqual([]);
  });
});
