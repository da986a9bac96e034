import { describe, expect, it } from 'vitest';
import type { Action } from './actions.js';
import type { Plan } from './plan.js';
import { planJson, planMarkdown, planText } from './render-plan.js';

const host = { key: 'tenant:acme', tag: 'buckfleet-tenant-acme', dropletName: 'bf-acme', region: 'fra1', size: 's-1vcpu-1gb', image: 'ubuntu' };
const actions: Action[] = [
  { kind: 'droplet.create', id: 'acme/droplet.create', owner: 'acme', dependsOn: [], host },
  { kind: 'stack.deploy', id: 'acme/stack.deploy', owner: 'acme', dependsOn: ['acme/droplet.create'], tenant: 'acme', host: 'tenant:acme', project: 'bf-acme', reason: 'stack is missing' },
  { kind: 'database.drop', id: 'gone/database.drop', owner: 'gone', dependsOn: [], tenant: 'gone' },
];
const p: Plan = { actions, problems: new Map([['bad', 'no runtime for core@9.0.0 (module source missing)']]) };

describe('plan rendering', () => {
  it('prints a Terraform-like plan grouped by tenant', () => {
    expect(planText(p)).toBe(
      [
        'acme:',
        '  + droplet.create   droplet bf-acme (s-1vcpu-1gb in fra1, tag buckfleet-tenant-acme)',
        '  ~ stack.deploy     deploy stack bf-acme on tenant:acme (stack is missing)',
        'gone:',
        '  - database.drop    drop database and role of gone',
        '! bad: no runtime for core@9.0.0 (module source missing)',
        '',
        'Plan: 1 to create, 1 to change, 1 to remove; 1 problems.',
        '',
      ].join('\n'),
    );
    expect(planText({ actions: [], problems: new Map() })).toBe('No changes: the fleet runs as main says.\n');
  });

  it('renders markdown for a PR comment and JSON for scripts', () => {
    const md = planMarkdown(p, '0123456789abcdef');
    expect(md).toContain('### buckfleet plan for `0123456789ab`');
    expect(md).toContain('```diff\n+ droplet.create: droplet bf-acme');
    expect(md).toContain('! stack.deploy: deploy stack bf-acme');
    expect(md).toContain('- `bad`: no runtime for core@9.0.0');
    const json = JSON.parse(planJson(p)) as { actions: Action[]; problems: Record<string, string> };
    expect(json.actions.map((a) => a.id)).toEqual(['acme/droplet.create', 'acme/stack.deploy', 'gone/database.drop']);
    expect(json.problems).toEqual({ bad: 'no runtime for core@9.0.0 (module source missing)' });
  });
});
