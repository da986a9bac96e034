import { describe, expect, it } from 'vitest';
import { parseRoles, ROLES, RolesError, rolesProblem } from './roles.js';

describe('--roles', () => {
  it('is every role when not given', () => {
    expect([...parseRoles(undefined)]).toEqual([...ROLES]);
  });

  it('reads a comma-separated list, spaces and empty items ignored', () => {
    expect([...parseRoles('http, reconciler,,')].sort()).toEqual(['http', 'reconciler']);
    expect([...parseRoles('bot,bot')]).toEqual(['bot']);
  });

  it('refuses an unknown role, naming it and the known ones', () => {
    expect(() => parseRoles('http,reconciller')).toThrow(new RolesError('--roles: unknown role "reconciller" (the roles are http, bot, reconciler, outbox, billing, rollouts)'));
    expect(() => parseRoles('web,worker')).toThrow(/^--roles: unknown roles "web", "worker" \(/);
    expect(() => parseRoles(' , ')).toThrow('--roles names no role');
  });

  it('needs http beside a bot in webhook mode, and only then', () => {
    const webhook = { mode: 'webhook' as const, botTokenSet: true };
    expect(rolesProblem(parseRoles('bot'), webhook)).toMatch(/add http/);
    expect(rolesProblem(parseRoles('bot,http'), webhook)).toBeNull();
    expect(rolesProblem(parseRoles('bot'), { mode: 'polling', botTokenSet: true })).toBeNull();
    expect(rolesProblem(parseRoles('bot'), { mode: 'webhook', botTokenSet: false })).toBeNull();
  });
});
