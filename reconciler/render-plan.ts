import { type Action, CHANGE } from './actions.js';
import type { Plan } from './plan.js';

/** One line of what an action does, for people. Never a secret: actions hold none. */
export function describeAction(a: Action): string {
  switch (a.kind) {
    case 'droplet.create':
      return `droplet ${a.host.dropletName} (${a.host.size} in ${a.host.region}, tag ${a.host.tag})`;
    case 'host.wait':
      return `wait until ${a.host} answers over SSH`;
    case 'database.ensure':
      return `database and role for ${a.tenant}`;
    case 'database.migrate':
      return `apply migrations ${a.migrations.join(', ')}`;
    case 'stack.deploy':
      return `deploy stack ${a.project} on ${a.host} (${a.reason})`;
    case 'stack.stop':
      return `stop stack ${a.project} on ${a.host} (data kept)`;
    case 'database.dump':
      return `dump the database to ${a.host === null ? 'the control plane backups' : `${a.host} backups`}`;
    case 'stack.remove':
      return `remove stack ${a.project} from ${a.host}`;
    case 'database.drop':
      return `drop database and role of ${a.tenant}`;
    case 'droplet.delete':
      return `delete droplet ${a.dropletId} (${a.host})`;
  }
}

const counts = (p: Plan) => {
  const c = { '+': 0, '~': 0, '-': 0 };
  for (const a of p.actions) c[CHANGE[a.kind]] += 1;
  return `${c['+']} to create, ${c['~']} to change, ${c['-']} to remove`;
};

function grouped(p: Plan): Map<string, Action[]> {
  const byOwner = new Map<string, Action[]>();
  for (const a of p.actions) byOwner.set(a.owner, [...(byOwner.get(a.owner) ?? []), a]);
  return new Map([...byOwner].sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** Terraform-like text for a terminal, grouped by tenant (and shared host). */
export function planText(p: Plan): string {
  if (p.actions.length === 0 && p.problems.size === 0) return 'No changes: the fleet runs as main says.\n';
  const lines: string[] = [];
  for (const [owner, actions] of grouped(p)) {
    lines.push(`${owner}:`);
    for (const a of actions) lines.push(`  ${CHANGE[a.kind]} ${a.kind.padEnd(16)} ${describeAction(a)}`);
  }
  for (const [owner, problem] of p.problems) lines.push(`! ${owner}: ${problem}`);
  lines.push('', `Plan: ${counts(p)}${p.problems.size > 0 ? `; ${p.problems.size} problems` : ''}.`);
  return lines.join('\n') + '\n';
}

/** The same plan as a PR comment. */
export function planMarkdown(p: Plan, revision: string): string {
  const head = `### buckfleet plan for \`${revision.slice(0, 12)}\``;
  if (p.actions.length === 0 && p.problems.size === 0) return `${head}\n\nNo changes.\n`;
  const body = [head, '', `**${counts(p)}**`, ''];
  for (const [owner, actions] of grouped(p)) {
    body.push(`<details open><summary><code>${owner}</code></summary>`, '', '```diff');
    for (const a of actions) body.push(`${CHANGE[a.kind] === '~' ? '!' : CHANGE[a.kind]} ${a.kind}: ${describeAction(a)}`);
    body.push('```', '</details>', '');
  }
  if (p.problems.size > 0) {
    body.push('**Problems**', '');
    for (const [owner, problem] of p.problems) body.push(`- \`${owner}\`: ${problem}`);
  }
  return body.join('\n') + '\n';
}

/** Machine-readable: the actions as planned, and the problems. */
export function planJson(p: Plan): string {
  return JSON.stringify({ actions: p.actions, problems: Object.fromEntries(p.problems) }, null, 2) + '\n';
}
