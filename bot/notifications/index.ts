import { OPERATION_RENDERERS } from './operations.js';
import type { Renderer, Renderers } from './types.js';

/**
 * Every outbox kind the bot can render. Each group adds its renderers with one spread line;
 * a kind listed twice is a bug, caught by the test of this registry.
 */
const GROUPS: readonly Renderers[] = [
  OPERATION_RENDERERS,
];

export const RENDERERS: ReadonlyMap<string, Renderer> = new Map(GROUPS.flatMap((g) => Object.entries(g)));

export * from './types.js';
