import type { DesiredHost } from './desired.js';

interface Base {
  /** Stable across passes: `<owner>/<kind>`; the journal keys steps by it. */
  readonly id: string;
  /** Whose lock the action runs under: a tenant slug, or `host:<name>` for a shared host. */
  readonly owner: string;
  /** Ids that must be done first. */
  readonly dependsOn: readonly string[];
}

export type Action = Base &
  (
    | { readonly kind: 'droplet.create'; readonly host: DesiredHost }
    | { readonly kind: 'host.wait'; readonly host: string }
    | { readonly kind: 'database.ensure'; readonly tenant: string }
    | { readonly kind: 'database.migrate'; readonly tenant: string; readonly migrations: readonly string[] }
    | { readonly kind: 'stack.deploy'; readonly tenant: string; readonly host: string; readonly project: string; readonly reason: string }
    | { readonly kind: 'stack.stop'; readonly tenant: string; readonly host: string; readonly project: string }
    | { readonly kind: 'database.dump'; readonly tenant: string; readonly host: string | null }
    | { readonly kind: 'stack.remove'; readonly tenant: string; readonly host: string; readonly project: string }
    | { readonly kind: 'database.drop'; readonly tenant: string }
    | { readonly kind: 'droplet.delete'; readonly host: string; readonly dropletId: number }
  );

export type ActionKind = Action['kind'];

/**
 * Phases in apply order: a lower phase never waits on a higher one. A tenant's database needs
 * no host, so it is made between ordering a droplet and waiting for it: a dedicated tenant's
 * database is ready while its droplet boots, instead of after.
 */
export const PHASE: Readonly<Record<ActionKind, number>> = {
  'droplet.create': 0,
  'database.ensure': 1,
  'database.migrate': 2,
  'host.wait': 3,
  'stack.deploy': 4,
  'stack.stop': 5,
  'database.dump': 6,
  'stack.remove': 7,
  'database.drop': 8,
  'droplet.delete': 9,
};

/** `+` creates, `~` changes, `-` removes: the symbols of the plan output. */
export const CHANGE: Readonly<Record<ActionKind, '+' | '~' | '-'>> = {
  'droplet.create': '+',
  'host.wait': '~',
  'database.ensure': '+',
  'database.migrate': '~',
  'stack.deploy': '~',
  'stack.stop': '~',
  'database.dump': '~',
  'stack.remove': '-',
  'database.drop': '-',
  'droplet.delete': '-',
};

/** Sort by phase, then owner, then id: the same plan always prints and applies in one order. */
export function sortActions(actions: Action[]): Action[] {
  return actions.sort((a, b) => PHASE[a.kind] - PHASE[b.kind] || cmp(a.owner, b.owner) || cmp(a.id, b.id));
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
