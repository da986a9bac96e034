import { createHash } from 'node:crypto';
import type { Actor } from '../../../fleet/changes/request.js';
import type { Fleet, TenantRecord } from '../../../fleet/model.js';
import type { BaseContext } from '../../context.js';

/**
 * The tenant `slug` when `userId` owns it; null when it does not exist or is someone else's.
 * Both are answered the same way (as an outdated button), so a crafted slug reveals nothing.
 */
export function ownedTenant(fleet: Fleet, slug: string, userId: number): TenantRecord | null {
  const record = fleet.tenants.get(slug);
  return record !== undefined && record.tenant.owner.telegramUserId === userId ? record : null;
}

/** Every tenant the user owns, in slug order. */
export function ownedTenants(fleet: Fleet, userId: number): TenantRecord[] {
  return [...fleet.tenants.values()].filter((r) => r.tenant.owner.telegramUserId === userId).sort((a, b) => (a.slug < b.slug ? -1 : 1));
}

/** The customer as a change request names them. */
export function requester(ctx: BaseContext): Actor {
  const from = ctx.from;
  if (from === undefined) throw new Error('a change request needs the user who asked for it');
  const username = from.username !== undefined && from.username.length <= 32 ? from.username : undefined;
  return { type: 'telegram', userId: from.id, ...(username === undefined ? {} : { username }) };
}

/**
 * A change request id that is the same for the same request on the same tenant state: a double
 * press, or Telegram delivering an update twice, lands on one branch and one PR. The tenant as it
 * is on main is part of it, so asking again after the tenant changed (install, remove, install
 * again) is a new request rather than an answer from the old, merged one.
 */
export function changeId(userId: number, what: string, record: TenantRecord, args: unknown): string {
  const basis = JSON.stringify({ tenant: record.tenant, args });
  return `tg:${userId}:${what}:${record.slug}:${createHash('sha256').update(basis).digest('hex').slice(0, 16)}`;
}
