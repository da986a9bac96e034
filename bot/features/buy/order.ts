import type { PendingOrder } from '../../../billing/contract.js';
import { TelegramUsername } from '../../../fleet/schema/index.js';
import type { BotDeps } from '../../ports.js';
import { nameIsFree } from './name-check.js';

export interface OrderFacts {
  readonly tenant: string;
  readonly telegramUserId: number;
  readonly telegramUsername: string | undefined;
  readonly botUsername: string;
  readonly plan: string;
  readonly modules: readonly { readonly name: string; readonly version: string }[];
  /** The bot token, already sealed to the fleet's recipient. */
  readonly sealedToken: string;
}

/**
 * Step 5: the pending order the checkout webhook (or an admin's approval of a manual payment)
 * creates the tenant from. The name is checked once more right before: another customer may
 * have taken it while this one fetched a token. False when it was taken; nothing is written then.
 */
export async function saveOrder(deps: BotDeps, facts: OrderFacts): Promise<boolean> {
  if (!(await nameIsFree(deps, facts.tenant, facts.telegramUserId))) return false;
  // tenant.create's owner.username must be a Telegram username; an odd one is left out, not fatal.
  const username = TelegramUsername.safeParse(facts.telegramUsername);
  const order: PendingOrder = {
    tenant: facts.tenant,
    telegramUserId: facts.telegramUserId,
    ...(username.success ? { telegramUsername: username.data } : {}),
    botUsername: facts.botUsername,
    plan: facts.plan,
    modules: facts.modules.map((m) => ({ name: m.name, version: m.version })),
    chats: [],
    secrets: { BOT_TOKEN: facts.sealedToken },
    createdAt: deps.now().toISOString(),
  };
  // The check above reads; this write decides, when two customers took the same name at once.
  return deps.orders.put(order);
}
