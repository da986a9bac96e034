import { Composer } from 'grammy';
import type { BotContext } from '../../context.js';
import type { BotDeps } from '../../ports.js';
import { addChatDialogue, chats } from './chats.js';
import { modules } from './modules.js';
import { navigation } from './navigation.js';
import { payment } from './payment.js';
import { restart } from './restart.js';
import { replaceTokenDialogue, token } from './token.js';

/**
 * "My bots": a customer's own multi-bots, with status, plan, payment and modules, and what they
 * can do with each (renew, modules, updates, chats, token, restart). Entered by /mybots and the
 * main menu. Only tenants whose owner is the user are shown or acted on; callback data naming
 * anyone else's tenant gets the fallback's "out of date" and nothing more (route.ts). Handlers
 * read their dependencies from `ctx.deps`, which conversations' `external` steps also have.
 */
export function myBotsFeature(_deps: BotDeps): Composer<BotContext> {
  const feature = new Composer<BotContext>();
  // Dialogues first: while one waits for its answer it sees the update before any button handler
  // (and leaves it to them when it is a button press or a command: conversation-helpers.ts).
  feature.use(addChatDialogue(), replaceTokenDialogue());
  feature.use(navigation(), payment(), modules(), chats(), token(), restart());
  return feature;
}
