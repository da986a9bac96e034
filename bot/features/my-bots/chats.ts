import { type Conversation, createConversation } from '@grammyjs/conversations';
import { Composer, type Context, InlineKeyboard } from 'grammy';
import type { Chat } from '../../../fleet/schema/index.js';
import type { BaseContext, BotContext } from '../../context.js';
import { changeId, ownedTenant, requester } from './access.js';
import { myData } from './callback-data.js';
import { readChatInput } from './chat-input.js';
import { enterConversation, isCancel, isElsewhere, WAIT_LIMIT_MS } from './conversation-helpers.js';
import { chatName, chatTypeText } from './render.js';
import { onTenantAction, OUTDATED } from './route.js';
import { show } from './show.js';
import { submitAndReport } from './submit.js';

const ADD_CHAT = 'my-add-chat';
/** tenant.yaml's limit (fleet/schema/tenant.ts). */
const MAX_CHATS = 100;
/** The answer buttons of "channel or group?", asked inside the conversation only. */
const TYPE_ANSWER = /^my:ctype:(channel|supergroup)$/;

/**
 * The chats and channels a bot serves: listed, one removed by its button, one added by
 * forwarding a message from it or sending its id (a conversation, so a restart in between loses
 * nothing). Each change is a `tenant.update` with the whole new `chats` list.
 */
export function chats(): Composer<BotContext> {
  const composer = new Composer<BotContext>();

  onTenantAction(composer, 'chats', async (ctx, _action, { record }) => {
    await ctx.answerCallbackQuery();
    const slug = record.slug;
    const list = record.tenant.chats;
    const keyboard = new InlineKeyboard().text(ctx.t('my-chats-add'), myData({ verb: 'cadd', slug })).row();
    for (const chat of list) keyboard.text(ctx.t('my-chats-remove', { chat: chatName(chat) }), myData({ verb: 'cdel', slug, chat: chat.id })).row();
    keyboard.text(ctx.t('my-button-back-bot'), myData({ verb: 'bot', slug }));
    const lines = list.map((c) => ctx.t('my-chats-entry', { chat: chatName(c), type: chatTypeText(ctx, c.type), id: String(c.id) }));
    await show(ctx, list.length === 0 ? ctx.t('my-chats-none', { bot: slug }) : [ctx.t('my-chats-title', { bot: slug }), ...lines].join('\n'), keyboard);
  });

  onTenantAction(composer, 'cdel', async (ctx, action, { record }) => {
    const chat = record.tenant.chats.find((c) => c.id === action.chat);
    if (chat === undefined) return OUTDATED;
    await ctx.answerCallbackQuery();
    const next = record.tenant.chats.filter((c) => c.id !== chat.id);
    await submitAndReport(ctx, record.slug, {
      kind: 'tenant.update',
      id: changeId(ctx.from.id, 'chats', record, { chats: next }),
      requestedBy: requester(ctx),
      slug: record.slug,
      chats: next,
    }, ctx.t('my-what-chat-remove', { chat: chatName(chat), bot: record.slug }));
  });

  onTenantAction(composer, 'cadd', async (ctx, _action, { record }) => {
    await ctx.answerCallbackQuery();
    await enterConversation(ctx, ADD_CHAT, record.slug);
  });
  return composer;
}

/** The add-chat dialogue; installed before every button handler of the feature (index.ts). */
export const addChatDialogue = () => createConversation<BaseContext, Context>(addChatConversation, { id: ADD_CHAT, maxMillisecondsToWait: WAIT_LIMIT_MS });

/**
 * Asks for the chat until it gets one, then adds it. Every reply and the change itself run in
 * `external` on the outside context (texts, dependencies), so the conversation holds only the
 * steps of the dialogue. /cancel stops; a command or a button press of anything else ends the
 * dialogue and goes on to its own handler.
 */
async function addChatConversation(conversation: Conversation<BaseContext, Context>, _ctx: Context, slug: string): Promise<void> {
  const say = (key: string, variables: Record<string, string | number> = {}, keyboard?: InlineKeyboard) =>
    conversation.external(async (o) => {
      await o.reply(o.t(key, variables), keyboard === undefined ? {} : { reply_markup: keyboard });
    });
  await say('my-chat-ask', { bot: slug });
  let pendingId: number | null = null;
  for (;;) {
    const ctx = await conversation.wait();
    if (isCancel(ctx)) {
      await say('my-cancelled');
      return;
    }
    const answer = ctx.callbackQuery?.data === undefined ? null : TYPE_ANSWER.exec(ctx.callbackQuery.data);
    if (pendingId !== null && answer !== null) {
      const id = pendingId;
      const type = answer[1] === 'channel' ? 'channel' : 'supergroup';
      await conversation.external(async (o) => {
        await o.answerCallbackQuery();
        await addChat(o, slug, { id, type });
      });
      return;
    }
    if (isElsewhere(ctx)) await conversation.halt({ next: true });
    if (ctx.message === undefined) continue;
    const input = readChatInput(ctx.message);
    if (input.kind === 'chat') {
      const chat = input.chat;
      await conversation.external((o) => addChat(o, slug, chat));
      return;
    }
    if (input.kind === 'id') {
      const id = input.id;
      pendingId = id;
      await conversation.external(async (o) => {
        const buttons = new InlineKeyboard().text(o.t('my-chat-type-channel'), 'my:ctype:channel').text(o.t('my-chat-type-supergroup'), 'my:ctype:supergroup');
        await o.reply(o.t('my-chat-ask-type', { id: String(id) }), { reply_markup: buttons });
      });
      continue;
    }
    await say(input.kind === 'person' ? 'my-chat-person' : 'my-chat-bad-input');
  }
}

/** Adds one chat to the tenant's list, after checking again that the user owns the tenant. */
async function addChat(ctx: BaseContext, slug: string, chat: Chat): Promise<void> {
  const userId = ctx.from?.id;
  const record = userId === undefined ? null : ownedTenant(await ctx.deps.fleet.current(), slug, userId);
  if (record === null || userId === undefined) {
    await ctx.reply(ctx.t('button-outdated'));
    return;
  }
  const known = record.tenant.chats.find((c) => c.id === chat.id);
  if (known !== undefined) {
    await ctx.reply(ctx.t('my-chat-already', { chat: chatName(known), bot: slug }));
    return;
  }
  if (record.tenant.chats.length >= MAX_CHATS) {
    await ctx.reply(ctx.t('my-chat-too-many', { bot: slug, max: MAX_CHATS }));
    return;
  }
  const next = [...record.tenant.chats, chat];
  await submitAndReport(ctx, slug, {
    kind: 'tenant.update',
    id: changeId(userId, 'chats', record, { chats: next }),
    requestedBy: requester(ctx),
    slug,
    chats: next,
  }, ctx.t('my-what-chat-add', { chat: chatName(chat), bot: slug }));
}
