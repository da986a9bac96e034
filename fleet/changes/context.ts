import type { Fleet, FleetFiles, TenantRecord } from '../model.js';
import type { FileEdit } from '../repo/types.js';
import type { ChangeOf, ChangeRequest } from './request.js';
import { ChangeRejectedError, type RejectReason } from './types.js';

/** What a change is built against: the fleet on main, its files, and the time of the request. */
export interface ChangeContext {
  readonly fleet: Fleet;
  readonly files: FleetFiles;
  /** ISO time the change is built at; the only clock a builder sees. */
  readonly now: string;
}

/** A builder's result before it is dressed as a commit and a PR. */
export interface Draft {
  readonly edits: readonly FileEdit[];
  /** PR title, e.g. "Create tenant acme". */
  readonly title: string;
  /** Conventional commit type and whether the change is breaking (deletes). */
  readonly commitType: 'feat' | 'chore';
  readonly breaking?: boolean;
  /** Bullet lines for the PR body: what changes, in words. */
  readonly details: readonly string[];
}

/**
 * What a builder sees: the fleet and the time, not the files' texts. Only `buildChange` reads
 * texts, of the files a draft edits, so a caller can read just those (not a whole 10k-tenant tree).
 */
export type DraftContext = Omit<ChangeContext, 'files'>;

export type Builder<K extends ChangeRequest['kind']> = (ctx: DraftContext, cr: ChangeOf<K>) => Draft;

export function reject(cr: ChangeRequest, reason: RejectReason, message: string): never {
  throw new ChangeRejectedError(reason, message, { kind: cr.kind, id: cr.id, ...('slug' in cr ? { slug: cr.slug } : {}) });
}

export function tenantOf(ctx: DraftContext, cr: ChangeRequest & { slug: string }): TenantRecord {
  const record = ctx.fleet.tenants.get(cr.slug);
  if (!record) reject(cr, 'not_found', `there is no tenant "${cr.slug}"`);
  return record;
}
