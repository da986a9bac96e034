import { createHash } from 'node:crypto';
import type { Actor, ChangeRequest } from './request.js';

/** "Telegram user 42 (@bob)": who asked, in plain words, for PR bodies and commit trailers. */
export function describeActor(actor: Actor): string {
  switch (actor.type) {
    case 'telegram':
      return `Telegram user ${actor.userId}${actor.username ? ` (@${actor.username})` : ''}`;
    case 'admin':
      return `admin ${actor.userId}${actor.username ? ` (@${actor.username})` : ''} in Telegram`;
    case 'stripe':
      return `Stripe event ${actor.eventId}`;
    case 'release':
      return `release ${actor.tag}`;
    case 'system':
      return `buckfleet ${actor.component}`;
    case 'cli':
      return `${actor.user} on the command line`;
  }
}

/** `telegram:42`: the machine-readable form, for commit trailers. */
export function actorRef(actor: Actor): string {
  switch (actor.type) {
    case 'telegram':
    case 'admin':
      return `${actor.type}:${actor.userId}`;
    case 'stripe':
      return `stripe:${actor.eventId}`;
    case 'release':
      return `release:${actor.tag}`;
    case 'system':
      return `system:${actor.component}`;
    case 'cli':
      return `cli:${actor.user}`;
  }
}

const shortHash = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 10);

/** The subject a change is about: a tenant slug, or `module-v1.2.0` for a release. */
export function changeSubject(cr: ChangeRequest): string {
  if (cr.kind === 'module.update' || cr.kind === 'module.release') return `${cr.module}-v${cr.version}`;
  return cr.kind === 'tenant.import' ? `import-${cr.source}` : cr.slug;
}

/** Same request id, same branch: a retried or duplicated request never opens a second PR. */
export function branchFor(cr: ChangeRequest): string {
  return `bf/${cr.kind.replace('.', '-')}/${changeSubject(cr)}-${shortHash(cr.id)}`;
}

/** Hidden marker in PR bodies that ties a PR to its request id. */
export const changeMarker = (cr: ChangeRequest) => `<!-- buckfleet:change ${cr.kind} ${cr.id} -->`;
