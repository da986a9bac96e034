import { ADMIN_RENDERERS } from './admin.js';
import { ADMIN_ALERT_RENDERERS } from './admin-alerts.js';
import { BILLING_RENDERERS } from './billing.js';
import { DEPLOY_RENDERERS } from './deploy.js';
import { MODULE_RENDERERS } from './modules.js';
import { OPERATION_RENDERERS } from './operations.js';
import { PURCHASE_RENDERERS } from './purchase.js';
import type { Renderer, Renderers } from './types.js';

/**
 * Every outbox kind the bot can render. Each group adds its renderers with one spread line;
 * a kind listed twice is a bug, caught by the test of this registry.
 */
const GROUPS: readonly Renderers[] = [
  OPERATION_RENDERERS,
  DEPLOY_RENDERERS,
  BILLING_RENDERERS,
  ADMIN_ALERT_RENDERERS,
  PURCHASE_RENDERERS,
  ADMIN_RENDERERS,
  MODULE_RENDERERS,
];

export const RENDERERS: ReadonlyMap<string, Renderer> = new Map(GROUPS.flatMap((g) => Object.entries(g)));

export * from './types.js';
