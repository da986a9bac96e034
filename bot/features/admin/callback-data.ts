import { z } from 'zod';
import { ModuleName, Slug } from '../../../fleet/schema/index.js';

/**
 * The admin feature's callback data: `adm:` and a path. Callback data is untrusted input — anyone
 * can send any bytes as a button press — so it is parsed here, once, into a typed action; what
 * does not parse is not an admin button and falls through to the fallback ("out of date").
 * Parsing says nothing about permission: every handler still checks `ctx.isAdmin`, and ids are
 * looked up again (a PR, a payment, a tenant), never trusted.
 */

export const PREFIX = 'adm:';

/** A PR or payment number: a positive integer that fits a database bigint without surprises. */
const Id = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);

export type AdminAction =
  | { readonly type: 'home' }
  | { readonly type: 'prs' }
  | { readonly type: 'pr'; readonly decision: 'ok' | 'no'; readonly number: number }
  | { readonly type: 'payments' }
  | { readonly type: 'payment'; readonly decision: 'ok' | 'no' | 'show'; readonly id: number }
  | { readonly type: 'find' }
  | { readonly type: 'tenant'; readonly op: 'show' | 'suspend' | 'resume' | 'retry'; readonly slug: string }
  | { readonly type: 'broadcast' }
  | { readonly type: 'audience'; readonly module: string | null }
  | { readonly type: 'send' }
  | { readonly type: 'cancel' };

export type AdminActionType = AdminAction['type'];

/** Every action type, for the test that presses each one as a non-admin. */
export const ADMIN_ACTION_TYPES: readonly AdminActionType[] = ['home', 'prs', 'pr', 'payments', 'payment', 'find', 'tenant', 'broadcast', 'audience', 'send', 'cancel'];

/** The callback data of an action; at most 64 bytes, as Telegram allows (slugs and module names are at most 32). */
export function dataOf(action: AdminAction): string {
  switch (action.type) {
    case 'home':
      return `${PREFIX}home`;
    case 'prs':
      return `${PREFIX}prs`;
    case 'pr':
      return `${PREFIX}pr:${action.decision}:${action.number}`;
    case 'payments':
      return `${PREFIX}mps`;
    case 'payment':
      return `${PREFIX}mp:${action.decision}:${action.id}`;
    case 'find':
      return `${PREFIX}find`;
    case 'tenant':
      return `${PREFIX}t:${action.op}:${action.slug}`;
    case 'broadcast':
      return `${PREFIX}bc`;
    case 'audience':
      return action.module === null ? `${PREFIX}bc:all` : `${PREFIX}bc:mod:${action.module}`;
    case 'send':
      return `${PREFIX}bc:ok`;
    case 'cancel':
      return `${PREFIX}cancel`;
  }
}

const FIXED: Readonly<Record<string, AdminAction>> = {
  home: { type: 'home' },
  prs: { type: 'prs' },
  mps: { type: 'payments' },
  find: { type: 'find' },
  bc: { type: 'broadcast' },
  'bc:all': { type: 'audience', module: null },
  'bc:ok': { type: 'send' },
  cancel: { type: 'cancel' },
};

const PR = /^pr:(ok|no):(\d{1,15})$/;
const PAYMENT = /^mp:(ok|no|show):(\d{1,15})$/;
const TENANT = /^t:(show|suspend|resume|retry):(.+)$/;
const AUDIENCE = /^bc:mod:(.+)$/;

/** The action a button's data names, or null when it is not a well-formed admin button. */
export function parseAdminData(data: string): AdminAction | null {
  if (!data.startsWith(PREFIX) || Buffer.byteLength(data) > 64) return null;
  const path = data.slice(PREFIX.length);
  const fixed = FIXED[path];
  if (fixed !== undefined && Object.hasOwn(FIXED, path)) return fixed;
  let m = PR.exec(path);
  if (m) {
    const number = Id.safeParse(m[2]);
    return number.success ? { type: 'pr', decision: m[1] as 'ok' | 'no', number: number.data } : null;
  }
  m = PAYMENT.exec(path);
  if (m) {
    const id = Id.safeParse(m[2]);
    return id.success ? { type: 'payment', decision: m[1] as 'ok' | 'no' | 'show', id: id.data } : null;
  }
  m = TENANT.exec(path);
  if (m) {
    const slug = Slug.safeParse(m[2]);
    return slug.success ? { type: 'tenant', op: m[1] as 'show' | 'suspend' | 'resume' | 'retry', slug: slug.data } : null;
  }
  m = AUDIENCE.exec(path);
  if (m) {
    const module = ModuleName.safeParse(m[1]);
    return module.success ? { type: 'audience', module: module.data } : null;
  }
  return null;
}
