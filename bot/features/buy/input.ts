import type { Conversation } from '@grammyjs/conversations';
import type { Context } from 'grammy';
import type { BotContext } from '../../context.js';
import { MAX_TEXT } from '../fallback.js';
import { commandOf } from './command.js';
import { type TokenOutcome, tokenOutcomeOf } from './token-guard.js';

/**
 * Waiting for what a customer sends next inside a conversation, and sorting out everything that
 * is not an answer to the current question, the same way in every step and every flow:
 *
 * - `/cancel` or the prompt's Cancel button leaves the flow; the flow's own entry (`/buy`, the
 *   menu button) ends it and lets the entry handler start it again;
 * - other commands and other features' buttons are not ours: the update is passed on (skip),
 *   the flow stays where it was and records nothing of it;
 * - our buttons on an older message (an earlier step, a message from before a restart) are out
 *   of date: said so in the chat, nothing changes;
 * - text that is too long, and media where text is expected, are answered and asked again.
 *
 * Conversations replay from the start on every update, so this is written as plain waits in a
 * loop; each skip rewinds to before its wait.
 */

/** Context inside a conversation: grammY's own, without the outer middleware's extras. */
export type InnerContext = Context;
export type FlowConversation = Conversation<BotContext, InnerContext>;
export type Translate = (key: string, variables?: Record<string, string | number>) => string;

export type Input =
  | { readonly kind: 'text'; readonly text: string; readonly ctx: InnerContext }
  | { readonly kind: 'photo'; readonly fileId: string; readonly caption: string | undefined; readonly ctx: InnerContext }
  | { readonly kind: 'button'; readonly data: string; readonly ctx: InnerContext }
  | { readonly kind: 'token'; readonly outcome: TokenOutcome; readonly ctx: InnerContext };

export interface FlowRules {
  /** Callback data this flow owns (`buy:`); anything else belongs to another feature. */
  readonly prefix: string;
  /** Commands and callback data that start this flow anew. */
  readonly restartCommands: readonly string[];
  readonly restartData: (data: string) => boolean;
  readonly cancelData: string;
  readonly texts: {
    readonly cancelled: string;
    readonly outdated: string;
    readonly tooLong: string;
    /** A bot token sent before it was asked for (removed by the token guard). */
    readonly strayToken: string;
    /** The token guard could not delete a message holding a token. */
    readonly notDeleted: string;
  };
}

export interface Ask {
  /** The message whose buttons are current; null when the step shows none. */
  readonly promptId: number | null;
  readonly accepts: { readonly text?: boolean; readonly photo?: boolean; readonly token?: boolean };
  /** What to say to input this step does not take (a sticker where a name is expected). */
  readonly unexpected: string;
}

export type Asker = (ask: Ask) => Promise<Input>;

export function asker(conversation: FlowConversation, rules: FlowRules): Asker {
  return async (ask) => {
    for (;;) {
      const ctx = await conversation.wait();
      const query = ctx.callbackQuery;
      if (query !== undefined) {
        const data = query.data ?? '';
        if (!data.startsWith(rules.prefix)) return conversation.skip({ next: true });
        if (rules.restartData(data)) return conversation.halt({ next: true });
        const current = ask.promptId !== null && query.message?.message_id === ask.promptId;
        if (!current) {
          await ctx.answerCallbackQuery();
          await ctx.reply(rules.texts.outdated);
          continue;
        }
        if (data === rules.cancelData) {
          await ctx.answerCallbackQuery();
          return cancel(conversation, ctx, rules);
        }
        return { kind: 'button', data, ctx };
      }
      const message = ctx.message;
      if (message === undefined) return conversation.skip({ next: true });
      const command = commandOf(message);
      if (command === 'cancel') return cancel(conversation, ctx, rules);
      if (command !== null && rules.restartCommands.includes(command)) return conversation.halt({ next: true });
      if (command !== null) return conversation.skip({ next: true });

      const token = tokenOutcomeOf(message);
      if (token !== null) {
        if (token.status !== 'stray' && ask.accepts.token) return { kind: 'token', outcome: token, ctx };
        // A token in a caption at the token step is refused like any media; elsewhere it came too early.
        const said = ask.accepts.token ? ask.unexpected : rules.texts.strayToken;
        await ctx.reply(token.deleted ? said : `${said}\n\n${rules.texts.notDeleted}`);
        continue;
      }
      if (message.text !== undefined) {
        if (message.text.length > MAX_TEXT) await ctx.reply(rules.texts.tooLong);
        else if (ask.accepts.text) return { kind: 'text', text: message.text, ctx };
        else await ctx.reply(ask.unexpected);
        continue;
      }
      const photo = largestPhoto(message.photo);
      if (photo !== null && ask.accepts.photo) return { kind: 'photo', fileId: photo, caption: message.caption, ctx };
      await ctx.reply(ask.unexpected);
    }
  };
}

async function cancel(conversation: FlowConversation, ctx: InnerContext, rules: FlowRules): Promise<never> {
  await ctx.reply(rules.texts.cancelled);
  return conversation.halt();
}

/** Telegram sends a photo in several sizes; the biggest is the one worth keeping. */
function largestPhoto(sizes: readonly { file_id: string; width: number; height: number }[] | undefined): string | null {
  if (sizes === undefined || sizes.length === 0) return null;
  return sizes.reduce((best, s) => (s.width * s.height >= best.width * best.height ? s : best)).file_id;
}
