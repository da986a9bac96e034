import { afterEach } from 'vitest';
import type { TelegramEmulator } from '../telegram/emulator.js';

/**
 * What a bot sent to a group or channel, read from the emulator, oldest first (TestUser sees
 * private chats only).
 */
export function botMessagesTo(e: TelegramEmulator, chatId: number): string[] {
  // typegram (the emulator's types) is not installed, so its message type does not resolve here.
  const sent = e.server.storage.botMessages as unknown as { message: { chat_id: number | string; text: string } }[];
  return sent.filter((m) => Number(m.message.chat_id) === chatId).map((m) => m.message.text);
}

/** Things a test started (emulators, running modules), stopped after each test, newest first. */
export function stopAfterEach(): (stop: () => Promise<void>) => void {
  const stops: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  });
  return (stop) => void stops.push(stop);
}
