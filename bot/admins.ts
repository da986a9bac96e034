import type { Fleet } from '../fleet/model.js';

/** Admins are fleet.yaml's `admins` plus ADMIN_TELEGRAM_IDS; nobody else, whatever they send. */
export function isAdminOf(fleet: Fleet, extra: readonly number[], userId: number | undefined): boolean {
  if (userId === undefined) return false;
  return fleet.config.admins.includes(userId) || extra.includes(userId);
}

/** Every admin, once, in a stable order (who is told about payments, refunds, failures). */
export function adminsOf(fleet: Fleet, extra: readonly number[]): number[] {
  return [...new Set([...fleet.config.admins, ...extra])].sort((a, b) => a - b);
}
