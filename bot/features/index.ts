import type { Feature } from '../feature.js';
import { adminFeature } from './admin/index.js';
import { buyFeature } from './buy/index.js';
import { manualPaymentFeature } from './manual-payment/index.js';
import { myBotsFeature } from './my-bots/index.js';
import type { BotDeps } from '../ports.js';

/**
 * The bot's features after /start and settings, in the order they see an update; the fallback
 * (unknown command, outdated button) comes after all of them. Each feature adds one line.
 */
export const FEATURES: readonly ((deps: BotDeps) => Feature)[] = [
  myBotsFeature,
  buyFeature,
  manualPaymentFeature,
  adminFeature,
];
