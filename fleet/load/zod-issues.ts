import type { z } from 'zod';
import { capIssues, type FleetIssue, fieldPath } from './errors.js';
import type { ParsedYaml } from './yaml.js';

/** Turns zod's issues into located, plain-language fleet issues. */
export function zodIssues(file: string, parsed: ParsedYaml, error: z.ZodError): FleetIssue[] {
  const problems: { path: PropertyKey[]; message: string }[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) problems.push({ path: [...issue.path, key], message: `unknown field "${key}"` });
      continue;
    }
    problems.push({ path: issue.path, message: plain(issue) });
  }
  return capIssues(file, problems, ({ path, message }) => ({ file, line: parsed.lineOf(path), field: fieldPath(path), message }));
}

function plain(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type' && issue.message.endsWith('received undefined')) return `is required (${issue.expected})`;
  if (issue.code === 'invalid_key') {
    // zod says "Invalid key in record"; the key's own rule says what is wrong with it.
    const why = issue.issues[0]?.message;
    return why === undefined ? 'invalid key' : `invalid key: ${why.replace(/^Invalid input: /, '')}`;
  }
  if (issue.code === 'invalid_union') {
    // zod says "Invalid input" when no alternative came close; list what would have been accepted.
    const types = issue.errors.map((branch) => (branch.length === 1 && branch[0]?.code === 'invalid_type' && branch[0].path.length === 0 ? branch[0].expected : null));
    const received = /received (\w+)$/.exec(issue.errors[0]?.[0]?.message ?? '')?.[1];
    if (types.length > 0 && types.every((t) => t !== null)) {
      return `expected ${types.join(' or ')}${received === undefined ? '' : `, received ${received}`}`;
    }
  }
  return issue.message.replace(/^Invalid input: /, '');
}
