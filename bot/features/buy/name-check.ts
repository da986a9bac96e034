import type { BotDeps } from '../../ports.js';

/**
 * Whether a customer may use a tenant name: not when a tenant of that name is on main, when
 * another customer's order holds it (paid or not), or when its purchase was paid and waits for
 * an admin. The customer's own unpaid order does not hold it against them: they may start again.
 */
export async function nameIsFree(deps: BotDeps, slug: string, telegramUserId: number): Promise<boolean> {
  const fleet = await deps.fleet.current();
  if (fleet.tenants.has(slug)) return false;
  const order = await deps.orders.get(slug);
  if (order !== null && order.telegramUserId !== telegramUserId) return false;
  return !(await creationPending(deps, slug));
}

/**
 * A tenant.create for `slug` is open as a PR: its purchase was paid and waits for review (branch
 * `bf/tenant-create/<slug>-<hash>`, fleet/changes/describe.ts). `slug` is a checked Slug, so it
 * needs no escaping in the pattern.
 */
export async function creationPending(deps: BotDeps, slug: string): Promise<boolean> {
  const creating = new RegExp(`^bf/tenant-create/${slug}-[0-9a-f]{10}$`);
  return (await deps.changes.listOpen()).some((pr) => creating.test(pr.branch));
}
