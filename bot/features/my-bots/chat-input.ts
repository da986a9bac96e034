import type { Chat as TelegramChat, Message } from 'grammy/types';
import type { Chat } from '../../../fleet/schema/index.js';

/** What a customer sent when asked for a chat or channel to add. */
export type ChatInput =
  /** A chat we know fully: from a forwarded message, or an old-style group id. */
  | { readonly kind: 'chat'; readonly chat: Chat }
  /** A `-100…` id: a channel or a supergroup, which the id alone does not tell. */
  | { readonly kind: 'id'; readonly id: number }
  /** Forwarded from a person, or a positive (user) id: not a chat the multi-bot can serve. */
  | { readonly kind: 'person' }
  | { readonly kind: 'invalid' };

const TITLE_MAX = 128;
const CHAT_ID = /^-\d{5,16}$/;
const USER_ID = /^\d{5,16}$/;

/**
 * Reads the chat out of a forwarded message (`forward_origin` of type `channel`: a channel post;
 * of type `chat`: a message sent on behalf of a group or channel) or out of a numeric id.
 */
export function readChatInput(message: Message): ChatInput {
  const origin = message.forward_origin;
  if (origin !== undefined) {
    if (origin.type === 'channel') return fromTelegram(origin.chat);
    if (origin.type === 'chat') return fromTelegram(origin.sender_chat);
    return { kind: 'person' };
  }
  const text = message.text?.trim() ?? '';
  if (CHAT_ID.test(text)) {
    const id = Number(text);
    if (!Number.isSafeInteger(id)) return { kind: 'invalid' };
    // Supergroup and channel ids start with -100; older basic groups have short negative ids.
    return text.startsWith('-100') ? { kind: 'id', id } : { kind: 'chat', chat: { id, type: 'group' } };
  }
  if (USER_ID.test(text)) return { kind: 'person' };
  return { kind: 'invalid' };
}

function fromTelegram(chat: TelegramChat): ChatInput {
  if (chat.type === 'private') return { kind: 'person' };
  const title = chat.title.trim().slice(0, TITLE_MAX);
  return { kind: 'chat', chat: { id: chat.id, type: chat.type, ...(title === '' ? {} : { title }) } };
}
