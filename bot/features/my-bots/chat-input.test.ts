import type { Message } from 'grammy/types';
import { describe, expect, it } from 'vitest';
import { readChatInput } from './chat-input.js';

const message = (fields: Record<string, unknown>) => ({ message_id: 1, date: 1, chat: { id: 200_001, type: 'private', first_name: 'A' }, ...fields }) as Message;

describe('reading the chat a customer wants to add', () => {
  it('takes a channel post or a message sent on behalf of a chat, with its title', () => {
    const channel = { type: 'channel', chat: { id: -1_009_876_543_210, type: 'channel', title: 'Bravo News' }, message_id: 5, date: 1 };
    expect(readChatInput(message({ text: 'hi', forward_origin: channel }))).toEqual({ kind: 'chat', chat: { id: -1_009_876_543_210, type: 'channel', title: 'Bravo News' } });
    const group = { type: 'chat', sender_chat: { id: -1_001_234_567_890, type: 'supergroup', title: 'x'.repeat(200) }, date: 1 };
    expect(readChatInput(message({ forward_origin: group }))).toEqual({ kind: 'chat', chat: { id: -1_001_234_567_890, type: 'supergroup', title: 'x'.repeat(128) } });
  });

  it('tells ids of channels and supergroups (asked further) from old groups and from people', () => {
    expect(readChatInput(message({ text: ' -1001112223334 ' }))).toEqual({ kind: 'id', id: -1_001_112_223_334 });
    expect(readChatInput(message({ text: '-123456789' }))).toEqual({ kind: 'chat', chat: { id: -123_456_789, type: 'group' } });
    expect(readChatInput(message({ text: '200001' }))).toEqual({ kind: 'person' });
    expect(readChatInput(message({ forward_origin: { type: 'user', sender_user: { id: 5, is_bot: false, first_name: 'E' }, date: 1 } }))).toEqual({ kind: 'person' });
    expect(readChatInput(message({ forward_origin: { type: 'hidden_user', sender_user_name: 'E', date: 1 } }))).toEqual({ kind: 'person' });
  });

  it('refuses anything else', () => {
    for (const text of ['hello', '-12', '-1001112223334x', '-99999999999999999', '@acme_news']) expect(readChatInput(message({ text })), text).toEqual({ kind: 'invalid' });
    expect(readChatInput(message({ photo: [] }))).toEqual({ kind: 'invalid' });
  });
});
