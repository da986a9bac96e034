import type { TelegramServer } from 'telegram-test-api/lib/telegramServer.js';
import type { TelegramEmulator } from './emulator.js';

export interface Button {
  readonly text: string;
  readonly data?: string;
  readonly url?: string;
}

/** A message the bot sent to this user, as it reads now (edits applied). */
export interface BotMessage {
  readonly messageId: number;
  readonly text: string;
  readonly buttons: readonly (readonly Button[])[];
  readonly raw: Record<string, unknown>;
}

interface HistoryItem {
  botToken: string;
  messageId: number;
  message: Record<string, unknown> & { chat_id?: number | string; text?: string; reply_markup?: { inline_keyboard?: { text: string; callback_data?: string; url?: string }[][] } };
  callbackQuery?: unknown;
}

const DEFAULT_WAIT_MS = 10_000;

/**
 * A Telegram user talking to the bot through the emulator: sends messages, presses buttons,
 * reads what the bot wrote. Chat id = user id: private chats only.
 */
export class TestUser {
  private readonly client: ReturnType<TelegramServer['getClient']>;

  constructor(
    private readonly emulator: TelegramEmulator,
    private readonly botToken: string,
    readonly id: number,
    private readonly profile: { firstName?: string; username?: string; languageCode?: string } = {},
  ) {
    this.client = emulator.server.getClient(botToken, { userId: id, chatId: id, type: 'private', firstName: profile.firstName ?? `User${id}`, userName: profile.username ?? `user${id}` });
  }

  private from() {
    return { from: { id: this.id, is_bot: false, first_name: this.profile.firstName ?? `User${this.id}`, username: this.profile.username ?? `user${this.id}`, ...(this.profile.languageCode ? { language_code: this.profile.languageCode } : {}) } };
  }

  /** Sends text; a leading `/word` is sent as a command. Returns the message id it got. */
  async send(text: string): Promise<void> {
    if (/^\/[a-z]/.test(text)) await this.client.sendCommand(this.client.makeCommand(text, this.from()));
    else await this.client.sendMessage(this.client.makeMessage(text, this.from()));
  }

  /** A photo (by file id), optionally captioned. */
  async sendPhoto(fileId: string, caption?: string): Promise<void> {
    await this.sendRaw({ photo: [{ file_id: fileId, file_unique_id: `${fileId}-u`, width: 800, height: 600 }], ...(caption ? { caption } : {}) });
  }

  /** Any message without text (a photo, a sticker, a document), as the emulator stores it. */
  async sendRaw(fields: Record<string, unknown>): Promise<void> {
    const message = { botToken: this.botToken, date: Math.floor(Date.now() / 1000), chat: { id: this.id, type: 'private', first_name: this.profile.firstName ?? `User${this.id}` }, ...this.from(), ...fields };
    await this.client.sendMessage(message);
  }

  /** Presses a button of a message by callback data, as Telegram would send it. */
  async pressData(message: BotMessage, data: string): Promise<void> {
    await this.client.sendCallback(
      this.client.makeCallbackQuery(data, {
        ...this.from(),
        // No `from` here: the client builds the query's `from` and `message.from` as one object,
        // which deep-extend would overwrite with the bot's.
        message: { message_id: message.messageId, chat: { id: this.id, type: 'private' }, text: message.text } as never,
      }),
    );
  }

  /** Presses the button whose text contains `label` on the newest bot message that has one. */
  async press(label: string | RegExp): Promise<BotMessage> {
    const messages = await this.messages();
    for (const message of [...messages].reverse()) {
      const button = message.buttons.flat().find((b) => (typeof label === 'string' ? b.text.includes(label) : label.test(b.text)));
      if (button?.data !== undefined) {
        await this.pressData(message, button.data);
        return message;
      }
    }
    throw new Error(`no button "${String(label)}" in the bot's messages to ${this.id}: ${messages.map((m) => m.buttons.flat().map((b) => b.text).join('|')).join(' / ')}`);
  }

  /** Every message the bot sent to this user, oldest first, as edited since. */
  async messages(): Promise<BotMessage[]> {
    const history = (await this.client.getUpdatesHistory()) as unknown as HistoryItem[];
    return history
      .filter((h) => h.botToken === this.botToken && h.callbackQuery === undefined && h.message.chat_id !== undefined && Number(h.message.chat_id) === this.id)
      .map((h) => ({
        messageId: h.messageId,
        text: h.message.text ?? '',
        buttons: (h.message.reply_markup?.inline_keyboard ?? []).map((row) => row.map((b) => ({ text: b.text, ...(b.callback_data ? { data: b.callback_data } : {}), ...(b.url ? { url: b.url } : {}) }))),
        raw: h.message,
      }));
  }

  /** Waits until a bot message to this user satisfies `test`; the newest such message. */
  async waitFor(test: string | RegExp | ((m: BotMessage) => boolean), timeoutMs = DEFAULT_WAIT_MS): Promise<BotMessage> {
    const matches = typeof test === 'function' ? test : (m: BotMessage) => (typeof test === 'string' ? m.text.includes(test) : test.test(m.text));
    const until = Date.now() + timeoutMs;
    for (;;) {
      const found = (await this.messages()).filter(matches);
      if (found.length > 0) return found[found.length - 1]!;
      if (Date.now() > until) {
        const seen = (await this.messages()).map((m) => `#${m.messageId}: ${m.text.slice(0, 120)}`).join('\n');
        throw new Error(`timed out waiting for a bot message to ${this.id} matching ${String(test)}; the bot wrote:\n${seen}`);
      }
      await new Promise((r) => setTimeout(r, 30));
    }
  }

  /** Waits for the next message the bot sends after this call that satisfies `test`. */
  async next(test: string | RegExp | ((m: BotMessage) => boolean) = () => true, timeoutMs = DEFAULT_WAIT_MS): Promise<BotMessage> {
    const before = new Set((await this.messages()).map((m) => m.messageId));
    const matches = typeof test === 'function' ? test : (m: BotMessage) => (typeof test === 'string' ? m.text.includes(test) : test.test(m.text));
    return this.waitFor((m) => !before.has(m.messageId) && matches(m), timeoutMs);
  }
}
